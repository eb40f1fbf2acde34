package dev.erasure.sd.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.Locale;

/**
 * diffusers 0.25.1 LMSDiscreteScheduler (order 4), the sampler of ESD's and EAP's
 * generate-images.py, reproduced number for number (shared/fixtures/lms README, "The computation,
 * exactly"): float32 σ table from the float64-accumulated ᾱ, fractional float32 timesteps, σ by
 * np.interp in double, and the LMS coefficients as scipy's quad computes them — one 21-point
 * Gauss–Kronrod rule (QUADPACK dqk21) over the float32-evaluated Lagrange basis polynomial, which
 * is all quad ever evaluates for these degree ≤ 3 integrands.
 *
 * <p>{@link #papers()} is the papers' constructor ({@code LMSDiscreteScheduler(beta_start=0.00085,
 * beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000)}: linspace spacing,
 * init σ 14.61). {@link #fromConfig} is diffusers' from_config, which inherits a DDIM config's
 * "leading" spacing and steps_offset and so gives a different schedule (init σ 8.45 for SD-1.x).
 */
public final class LmsDiscreteScheduler implements Scheduler {
    public enum Prediction { EPSILON, V_PREDICTION }

    public enum Spacing { LINSPACE, LEADING, TRAILING }

    private static final int ORDER = 4;

    private final float[] sigmasTrain;
    private final Prediction prediction;
    private final Spacing spacing;
    private final int stepsOffset;

    public LmsDiscreteScheduler(float[] betas, Prediction prediction, Spacing spacing, int stepsOffset) {
        if (betas.length < 2) throw new IllegalArgumentException("LMS needs at least 2 training timesteps, got " + betas.length);
        float[] ac = BetaSchedule.alphasCumprod(betas);
        this.sigmasTrain = new float[ac.length];
        for (int i = 0; i < ac.length; i++) sigmasTrain[i] = (float) Math.sqrt((1f - ac[i]) / ac[i]);
        this.prediction = prediction;
        this.spacing = spacing;
        this.stepsOffset = stepsOffset;
    }

    /** As the papers' scripts build it: SD-1.x's training schedule, linspace spacing, offset 0, ε-prediction. */
    public static LmsDiscreteScheduler papers() {
        return new LmsDiscreteScheduler(BetaSchedule.scaledLinear(0.00085, 0.012, 1000), Prediction.EPSILON,
                Spacing.LINSPACE, 0);
    }

    /**
     * The papers' sampling (linspace, offset 0) on a model's own training schedule and prediction
     * type; for SD-1.x this is exactly {@link #papers()}.
     */
    public static LmsDiscreteScheduler forModel(float[] betas, Prediction prediction) {
        return new LmsDiscreteScheduler(betas, prediction, Spacing.LINSPACE, 0);
    }

    /**
     * diffusers' {@code LMSDiscreteScheduler.from_config(config)}: keys it does not know are ignored,
     * missing ones take LMSDiscreteScheduler's defaults (linear 0.0001–0.02, linspace, offset 0).
     */
    public static LmsDiscreteScheduler fromConfig(JsonObject c) {
        if (c == null) throw new IllegalArgumentException("scheduler config is null");
        if (bool(c, "use_karras_sigmas")) throw new IllegalArgumentException("LMS option use_karras_sigmas=true is not supported");
        float[] betas = BetaSchedule.fromConfig(c, "LMS");
        return new LmsDiscreteScheduler(betas, parse(Prediction.class, "prediction_type", string(c, "prediction_type", "epsilon")),
                parse(Spacing.class, "timestep_spacing", string(c, "timestep_spacing", "linspace")),
                (int) BetaSchedule.number(c, "steps_offset", 0));
    }

    /** σ_t = √((1 − ᾱ_t)/ᾱ_t) for every training timestep, float32. */
    public float[] trainSigmas() {
        return sigmasTrain.clone();
    }

    @Override
    public LmsSchedule schedule(int inferenceSteps) {
        int n = sigmasTrain.length;
        if (inferenceSteps < 1 || inferenceSteps > n) {
            throw new IllegalArgumentException("num_inference_steps " + inferenceSteps + " must be in [1, " + n + "]");
        }
        float[] t = timesteps(inferenceSteps, n);
        double[] interp = new double[inferenceSteps];
        float[] sigmas = new float[inferenceSteps + 1];
        for (int i = 0; i < inferenceSteps; i++) {
            interp[i] = interp(t[i]);
            sigmas[i] = (float) interp[i];
        }
        float max = 0f;
        for (float s : sigmas) max = Math.max(max, s);
        float init = spacing == Spacing.LEADING ? (float) Math.sqrt(max * max + 1f) : max;
        return new LmsSchedule(t, sigmas, interp, init, prediction);
    }

    /** set_timesteps' timesteps, float32 and descending. */
    private float[] timesteps(int steps, int n) {
        float[] t = new float[steps];
        switch (spacing) {
            case LINSPACE: {
                // np.linspace(0, n-1, steps, dtype=float32): i·step in double, the last point exactly n−1
                double step = steps == 1 ? 0 : (double) (n - 1) / (steps - 1);
                for (int i = 0; i < steps; i++) {
                    double v = steps > 1 && i == steps - 1 ? n - 1 : i * step;
                    t[steps - 1 - i] = (float) v;
                }
                break;
            }
            case LEADING: {
                int ratio = n / steps;
                for (int i = 0; i < steps; i++) t[steps - 1 - i] = (float) (i * ratio) + stepsOffset;
                break;
            }
            default: {
                // np.arange(n, 0, -n/steps).round() − 1
                double ratio = (double) n / steps;
                for (int i = 0; i < steps; i++) t[i] = (float) Math.rint(n - i * ratio) - 1f;
            }
        }
        return t;
    }

    /** np.interp(t, arange(n), σ) in double. */
    private double interp(float tf) {
        double t = tf;
        int last = sigmasTrain.length - 1;
        if (t >= last) return sigmasTrain[last];
        if (t <= 0) return sigmasTrain[0];
        int j = (int) Math.floor(t);
        if (t == j) return sigmasTrain[j];
        double lo = sigmasTrain[j];
        return ((double) sigmasTrain[j + 1] - lo) * (t - j) + lo;
    }

    /** One LMS sampling run; keeps the last {@value #ORDER} derivatives. */
    public static final class LmsSchedule implements Schedule {
        private final float[] timesteps;
        private final float[] sigmas;
        private final double[] sigmasInterp;
        private final float initNoiseSigma;
        private final Prediction prediction;
        private final Deque<NDArray> derivatives = new ArrayDeque<>();
        private int nextStep;
        private NDArray predOriginal;

        LmsSchedule(float[] timesteps, float[] sigmas, double[] sigmasInterp, float initNoiseSigma, Prediction prediction) {
            this.timesteps = timesteps;
            this.sigmas = sigmas;
            this.sigmasInterp = sigmasInterp;
            this.initNoiseSigma = initNoiseSigma;
            this.prediction = prediction;
        }

        @Override
        public float[] timesteps() {
            return timesteps.clone();
        }

        /** σ per step plus the final 0 (N+1 values). */
        public float[] sigmas() {
            return sigmas.clone();
        }

        /** σ per step before the float32 cast (np.interp's double result). */
        public double[] sigmasInterp() {
            return sigmasInterp.clone();
        }

        @Override
        public float initNoiseSigma() {
            return initNoiseSigma;
        }

        /** √(σ_i² + 1) in float32: scale_model_input divides by it. */
        public float scaleDivisor(int stepIndex) {
            float s = sigmas[checkIndex(stepIndex)];
            return (float) Math.sqrt(s * s + 1f);
        }

        @Override
        public NDArray scaleModelInput(NDArray sample, int stepIndex) {
            return sample.div(scaleDivisor(stepIndex));
        }

        /** min(i+1, 4): how many past derivatives step i combines. */
        public int order(int stepIndex) {
            return Math.min(checkIndex(stepIndex) + 1, ORDER);
        }

        /** The LMS coefficients of step i; entry k multiplies the derivative of step i−k. */
        public double[] coefficients(int stepIndex) {
            int order = order(stepIndex);
            double[] c = new double[order];
            for (int k = 0; k < order; k++) c[k] = coefficient(order, stepIndex, k);
            return c;
        }

        /** The x0 estimate of the last step taken (diffusers' pred_original_sample). */
        public NDArray predOriginalSample() {
            return predOriginal;
        }

        @Override
        public NDArray step(NDArray modelOutput, int stepIndex, NDArray sample) {
            checkIndex(stepIndex);
            if (stepIndex != nextStep) {
                throw new IllegalStateException("LMS steps must be taken in order: expected step " + nextStep + ", got " + stepIndex);
            }
            if (!modelOutput.getShape().equals(sample.getShape())) {
                throw new IllegalArgumentException("model output " + modelOutput.getShape() + " and sample "
                        + sample.getShape() + " differ in shape");
            }
            float sigma = sigmas[stepIndex];
            NDArray x0;
            if (prediction == Prediction.EPSILON) {
                x0 = sample.sub(modelOutput.mul(sigma));
            } else {
                float s2p1 = sigma * sigma + 1f;
                x0 = modelOutput.mul(-sigma / (float) Math.sqrt(s2p1)).add(sample.div(s2p1));
            }
            // (x − x0)/σ, not ε: the two differ in the last bits and diffusers uses this one
            NDArray d = sample.sub(x0).div(sigma);
            // the history outlives the caller's per-step NDScope; dropped entries are closed here
            NDScope.unregister(d, x0);
            derivatives.addFirst(d);
            if (derivatives.size() > ORDER) derivatives.removeLast().close();
            double[] c = coefficients(stepIndex);
            NDArray sum = null;
            Iterator<NDArray> it = derivatives.iterator();
            for (double ck : c) {
                NDArray term = it.next().mul((float) ck);
                sum = sum == null ? term : sum.add(term);
            }
            if (predOriginal != null) predOriginal.close();
            predOriginal = x0;
            nextStep++;
            return sample.add(sum);
        }

        /**
         * ∫ from σ_i to σ_{i+1} of Π_{m≠k} (τ − σ_{i−m})/(σ_{i−k} − σ_{i−m}) as scipy.integrate.quad
         * returns it: one dqk21 rule (its first estimate already meets epsrel for a cubic), with the
         * integrand in float32 because diffusers' σ are float32 tensors.
         */
        private double coefficient(int order, int i, int k) {
            double a = sigmas[i];
            double b = sigmas[i + 1];
            boolean flip = a > b; // scipy integrates over [min, max] and negates
            double lo = flip ? b : a;
            double hi = flip ? a : b;
            double centr = 0.5 * (lo + hi);
            double hlgth = 0.5 * (hi - lo);
            double resk = WGK[10] * basis(centr, order, i, k);
            for (int j = 1; j < 10; j += 2) resk += WGK[j] * pair(centr, hlgth * XGK[j], order, i, k);
            for (int j = 0; j < 10; j += 2) resk += WGK[j] * pair(centr, hlgth * XGK[j], order, i, k);
            double r = resk * hlgth;
            return flip ? -r : r;
        }

        private double pair(double centr, double absc, int order, int i, int k) {
            return basis(centr - absc, order, i, k) + basis(centr + absc, order, i, k);
        }

        private double basis(double tau, int order, int i, int k) {
            if (order == 1) return 1.0;
            float prod = 1f;
            for (int m = 0; m < order; m++) {
                if (m == k) continue;
                prod *= ((float) tau - sigmas[i - m]) / (sigmas[i - k] - sigmas[i - m]);
            }
            return prod;
        }

        private int checkIndex(int i) {
            if (i < 0 || i >= timesteps.length) {
                throw new IllegalArgumentException("step index " + i + " outside [0, " + timesteps.length + ")");
            }
            return i;
        }
    }

    /** QUADPACK dqk21 abscissae and Kronrod weights (the 33-digit decimals of dqk21.f). */
    private static final double[] XGK = {
            0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
            0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
            0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
            0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
            0.294392862701460198131126603103866, 0.148874338981631210884826001129720, 0};
    private static final double[] WGK = {
            0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
            0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
            0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
            0.123491976262065851077208980108800, 0.134709217311473325928054001771707,
            0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
            0.149445554002916905664936468389821};

    private static boolean bool(JsonObject c, String key) {
        JsonElement e = c.get(key);
        return e != null && !e.isJsonNull() && e.getAsBoolean();
    }

    private static String string(JsonObject c, String key, String dflt) {
        JsonElement e = c.get(key);
        return e == null || e.isJsonNull() ? dflt : e.getAsString();
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String key, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("LMS " + key + " '" + value + "' is not supported; expected one of "
                    + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT), e);
        }
    }
}
