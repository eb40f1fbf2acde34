package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.erasure.sd.nn.Checkpointing;
import dev.erasure.sd.nn.MemorySaving;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import dev.erasure.train.Gradients;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Autograd through the UNet against golden.json's {@code grad.*} entries:
 * L = mean((unet(sample, t, c) − target)²), gradients for exactly the parameters named by
 * {@code grad.dL_dparam.<name>} (trainable copies overlaid on the frozen weights) and for both inputs,
 * on every memory path (gradient checkpointing, attention slicing, both) with the same tolerances.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UNetGradientTest {
    /** The fixture folder; the SD-2 subclass overrides it. */
    protected Path fixture() {
        return Fixtures.tinySd();
    }

    private static final String PARAM = "grad.dL_dparam.";

    static Stream<MemorySaving> memoryPaths() {
        MemorySaving checkpointing = MemorySaving.NONE.withGradientCheckpointing(true);
        return Stream.of(MemorySaving.NONE, checkpointing, MemorySaving.NONE.withAttentionSlice(1),
                checkpointing.withAttentionSlice(2));
    }

    @ParameterizedTest
    @MethodSource("memoryPaths")
    void gradientsMatchGoldenAndFrozenWeightsStayUntouched(MemorySaving saving) {
        try (Golden golden = new Golden(fixture()); NDManager manager = NDManager.newBaseManager();
             NDManager trainManager = manager.newSubManager()) {
            Assumptions.assumeTrue(golden.has("grad.sample"), "no grad.* entries in this fixture");
            UNet2DConditionModel frozen = ModelFixtures.unet(golden.folder(), manager).withMemorySaving(saving);
            Map<String, NDArray> trainable = new LinkedHashMap<>();
            for (String name : golden.entries().keySet()) {
                if (!name.startsWith(PARAM)) continue;
                // the mmapped tensors are read-only: train a copy, overlaid on the shared rest
                NDArray copy = frozen.weights().get(name.substring(PARAM.length())).duplicate();
                copy.attach(trainManager);
                copy.setRequiresGradient(true);
                trainable.put(name.substring(PARAM.length()), copy);
            }
            assertFalse(trainable.isEmpty(), "golden.json has no " + PARAM + "* entries");
            UNet2DConditionModel unet = frozen.withWeights(frozen.weights().overlay(trainable));
            Map<String, float[]> before = snapshotFrozen(frozen.weights(), trainable);

            NDArray sample = golden.tensor("grad.sample").duplicate();
            NDArray context = golden.tensor("grad.encoder_hidden_states").duplicate();
            sample.attach(trainManager);
            context.attach(trainManager);
            sample.setRequiresGradient(true);
            context.setRequiresGradient(true);
            NDArray t = golden.tensor("grad.timesteps");
            // SDXL: pooled text embeddings (a leaf too) and time ids feed the added embedding
            NDArray textEmbeds = null;
            if (golden.has("grad.text_embeds")) {
                textEmbeds = golden.tensor("grad.text_embeds").duplicate();
                textEmbeds.attach(trainManager);
                textEmbeds.setRequiresGradient(true);
            }
            Conditioning cond = textEmbeds == null ? Conditioning.of(context)
                    : new Conditioning(context, textEmbeds, golden.tensor("grad.time_ids"));

            long runAgain = Checkpointing.blocksRunAgain();
            try (GradientCollector gc = Gradients.collector();
                 NDScope scope = new NDScope()) {
                NDArray out = unet.forward(sample, t, cond);
                NDArray loss = out.sub(golden.tensor("grad.target")).square().mean();
                gc.backward(loss);
                // every resnet and transformer block, plus the two boundaries (time embedding, text states)
                long blocks = Checkpointing.blocksRunAgain() - runAgain;
                System.out.println(saving + ": " + blocks + " blocks run again for the backward");
                if (saving.gradientCheckpointing()) assertTrue(blocks > 2, "checkpointing ran no block again");
                else assertEquals(0, blocks);
                check(golden, "grad.unet_out", out);
                check(golden, "grad.loss", loss.reshape(golden.tensor("grad.loss").getShape()));
                check(golden, "grad.dL_dsample", sample.getGradient());
                check(golden, "grad.dL_dencoder_hidden_states", context.getGradient());
                if (textEmbeds != null) check(golden, "grad.dL_dtext_embeds", textEmbeds.getGradient());
                for (Map.Entry<String, NDArray> e : trainable.entrySet()) {
                    check(golden, PARAM + e.getKey(), e.getValue().getGradient());
                }
                for (String key : before.keySet()) {
                    assertFalse(frozen.weights().get(key).hasGradient(), "frozen weight " + key + " requires grad");
                }
            }
            for (Map.Entry<String, float[]> e : before.entrySet()) {
                assertTrue(Arrays.equals(e.getValue(), frozen.weights().get(e.getKey()).toFloatArray()),
                        "frozen weight " + e.getKey() + " changed");
            }
        }
    }

    private static Map<String, float[]> snapshotFrozen(Weights w, Map<String, NDArray> trainable) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String key : w.keys()) if (!trainable.containsKey(key)) out.put(key, w.get(key).toFloatArray());
        return out;
    }

    private static void check(Golden golden, String name, NDArray actual) {
        if (!golden.has(name)) return;
        golden.assertClose(name, actual);
        System.out.println(name + " " + Golden.maxAbsDiff(actual, golden.tensor(name))
                + " (tolerance " + golden.tolerance(name) + ")");
    }
}
