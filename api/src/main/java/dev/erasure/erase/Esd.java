package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.nn.Nn;
import dev.erasure.train.Adam;
import dev.erasure.train.Gradients;
import dev.erasure.sd.nn.Scopes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ESD, the CompVis version (methods.md §1.1) that EAP and AdvUnlearn use as baseline. Per
 * iteration: w ~ U(targets); k, t and x_T (§0.2); z = GenLatent(θ, c_e, 3, x_T, k) without
 * gradient; frozen ε0 = ε*(z,t,c∅), εe = ε*(z,t,c_e); target y = ε0 − η(εe − ε0);
 * L = mean (ε_θ(z,t,c_e) − y)²; one Adam step on the selected θ.
 */
public final class Esd implements EsdFamilyMethod<Esd.Step> {
    /** The name of its runs' histories and results. */
    static final String NAME = "ESD";

    private final Session s;
    private final EsdFamily family;

    /**
     * One ESD iteration: the target, the GenLatent grid index (methods.md's k) and the timestep t the
     * UNets were queried at, the loss ("loss" = "erase").
     */
    public record Step(int iteration, int step, String target, int gridIndex, int t, Map<String, Double> losses)
            implements StepRecord {
    }

    /** A drawn training example: target index, grid index k, query timestep t, latent z, ESD target y. */
    public record Sample(int target, int k, int t, NDArray latent, NDArray goal) {
    }

    /** Plain ESD on a session. */
    public Esd(Session session) {
        this(session, EsdFamily.esd());
    }

    /** ESD as {@code family} runs it (its configuration goes into checkpoints). */
    Esd(Session session, EsdFamily family) {
        this.s = session;
        this.family = family;
    }

    @Override
    public EsdFamily family() {
        return family;
    }

    /** Draws w, k, t, x_T (in this order), generates z and computes y; grad mode must be off. */
    public Sample draw() {
        int w = s.random().nextInt(s.settings().targets().size());
        int[] kt = s.drawTimestep();
        NDArray noise = s.noise();
        Conditioning ce = s.target(w);
        NDArray z = s.genLatent(ce, noise, kt[0]);
        s.checkIfCancelled();
        NDList frozen = Scopes.keepOnly(() -> s.frozenUnet().predict(Nn.cat(0, z, z), kt[1], Conditioning.concat(s.uncond(), ce)))
                .split(2, 0);
        NDArray e0 = frozen.get(0);
        NDArray y = e0.sub(frozen.get(1).sub(e0).mul(s.settings().negativeGuidance()));
        return new Sample(w, kt[0], kt[1], z, y);
    }

    /** The ESD loss of a sample with the current trained weights (records a graph inside a collector). */
    public NDArray loss(Sample x) {
        s.checkIfCancelled();
        NDArray eps = s.trainedUnet().predict(x.latent(), x.t(), s.target(x.target()));
        return s.mse(eps, x.goal());
    }

    @Override
    public Step iterate(int iteration) {
        s.adam().zeroGrad();
        try (NDScope scope = new NDScope()) {
            Sample x = draw();
            double value;
            try (GradientCollector gc = Gradients.collector()) {
                NDArray loss = loss(x);
                gc.backward(s.scaled(loss));
                value = loss.getFloat();
            }
            s.step();
            Map<String, Double> losses = new LinkedHashMap<>(); // in this order: the history's columns
            losses.put("loss", value);
            losses.put("erase", value);
            return new Step(iteration, iteration + 1, s.settings().targets().get(x.target()), x.k(), x.t(), losses);
        }
    }

    /** Targets as the history names them. */
    List<String> targets() {
        return s.settings().targets();
    }
}
