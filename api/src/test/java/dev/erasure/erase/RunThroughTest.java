package dev.erasure.erase;

import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.Methods;
import dev.erasure.core.Compat;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Erasure#runThrough}: a strength curve run as one chained run gives, at every count, the weights of a
 * separate run to that count, for each family of trained method (ESD/EAP, AdvUnlearn on the text encoder,
 * AdvAnchor with its δ), on the tiny fixture.
 */
class RunThroughTest extends TinyModels {
    private static final List<Integer> COUNTS = List.of(2, 1, 3); // any order; run ascending

    private static Erasure base() {
        return Erasure.of(sd).target("church").latentSize(8).ddimSteps(2).learningRate(1e-3).seed(7);
    }

    @Test
    void everyCountOfTheChainEqualsASeparateRun() {
        Map<String, Erasure> methods = new LinkedHashMap<>();
        methods.put("EAP", base().vocabulary(Vocabulary.of(List.of("church", "tree", "house", "car", "dog", "cat")))
                .preserve(Preserve.adversarial(2).kClosest(4)));
        methods.put("AdvUnlearn", base().method(Methods.advUnlearn().train(TextEncoderParams.layers(1)
                .component(TextEncoderParams.Component.ATTN)).retain(List.of("a photo of tree")).retainBatch(1).warmup(1).attackSteps(1)));
        methods.put("AdvAnchor", base().compat(Compat.CORRECTED).method(Methods.advAnchor().images(3).innerSteps(2).deltaLearningRate(1e-2)));
        for (Map.Entry<String, Erasure> m : methods.entrySet()) {
            List<Integer> seen = new ArrayList<>();
            List<Map<String, float[]>> chained = new ArrayList<>();
            List<String> resumed = new ArrayList<>();
            try (ErasureResult last = m.getValue().onProgress(p -> {
                if (p.message().startsWith("resumed at step")) resumed.add(p.message());
            }).runThrough(COUNTS, (n, r) -> {
                seen.add(n);
                assertEquals(n, r.stepsDone(), m.getKey() + " at " + n);
                chained.add(weights(r));
            })) {
                assertEquals(3, last.stepsDone(), "the largest count's result is returned open");
                assertArrayEquals(chained.get(2).values().iterator().next(), weights(last).values().iterator().next(), 0f);
            }
            assertEquals(List.of(1, 2, 3), seen, m.getKey());
            assertEquals(List.of("resumed at step 1", "resumed at step 2"), resumed, m.getKey() + ": each count continues the last");
            for (int i = 0; i < seen.size(); i++) {
                try (ErasureResult alone = m.getValue().iterations(seen.get(i)).run()) {
                    Map<String, float[]> w = weights(alone);
                    assertEquals(w.keySet(), chained.get(i).keySet(), m.getKey());
                    for (String k : w.keySet()) {
                        assertArrayEquals(w.get(k), chained.get(i).get(k), 0f, m.getKey() + " at " + seen.get(i) + ": " + k);
                    }
                }
            }
            String k = chained.get(0).keySet().iterator().next();
            assertFalse(java.util.Arrays.equals(chained.get(0).get(k), chained.get(2).get(k)), m.getKey() + ": 1 update is not 3");
        }
    }

    @Test
    void aClosedFormRunsOncePerCountAsItIs() {
        List<Integer> seen = new ArrayList<>();
        List<String> resumed = new ArrayList<>();
        Erasure uce = Erasure.of(sd).target("church").method(Methods.uce()).onProgress(p -> {
            if (p.message().startsWith("resumed at step")) resumed.add(p.message());
        });
        try (ErasureResult last = uce.runThrough(List.of(2, 1), (n, r) -> seen.add(n))) {
            assertEquals(List.of(1, 2), seen, "every count gets a result, though UCE reads no iterations");
            assertEquals(List.of(), resumed, "nothing to resume");
            try (ErasureResult alone = uce.run()) {
                assertEquals(weights(alone).keySet(), weights(last).keySet());
                for (String k : weights(alone).keySet()) assertArrayEquals(weights(alone).get(k), weights(last).get(k), 0f, k);
            }
        }
    }

    @Test
    void ownCheckpointsAndBadCountsAreRefused() {
        IllegalArgumentException own = assertThrows(IllegalArgumentException.class,
                () -> base().checkpointEvery(1, java.nio.file.Path.of("x")).runThrough(List.of(1, 2), (n, r) -> { }));
        assertTrue(own.getMessage().contains("checkpointEvery/resume"), own.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> base().runThrough(List.of(0, 2), (n, r) -> { }));
        assertTrue(zero.getMessage().contains("counts must be ≥ 1"), zero.getMessage());
    }

    private static Map<String, float[]> weights(ErasureResult r) {
        Map<String, float[]> out = new LinkedHashMap<>();
        r.changedTensors().forEach((k, v) -> out.put("unet." + k, v.toFloatArray()));
        r.textEncoderTensors().forEach((k, v) -> out.put("text." + k, v.toFloatArray()));
        return out;
    }
}
