package dev.erasure.erase;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.Methods;
import dev.erasure.core.Params;
import dev.erasure.core.Preserve;
import dev.erasure.core.Vocabulary;
import dev.erasure.sd.Conditioning;
import dev.erasure.sd.Generation;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusionXL;
import dev.erasure.sweep.Metric;
import dev.erasure.sweep.Sweep;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training methods on the tiny SDXL fixture, conditioned on prompt + pooled embeddings and time
 * ids: exactly the selected tensors change, the frozen UNet does not, losses are finite, runs are
 * deterministic and resume exactly, the erased model generates, and the methods SDXL cannot run
 * are refused before any compute.
 */
class SdxlTrainingTest {
    private static StableDiffusionXL xl;

    @BeforeAll
    static void load() {
        xl = StableDiffusionXL.load(Fixtures.tinySdxl(), LoadOptions.defaults().device("cpu"));
    }

    @AfterAll
    static void close() {
        xl.close();
    }

    /** The tiny run every method shares. */
    private static Erasure base() {
        return Erasure.of(xl).target("nudity").latentSize(8).ddimGrid(5).learningRate(1e-3).seed(7);
    }

    /** The ESD family's tiny run, with a small candidate pool for EAP. */
    private static Erasure tiny() {
        return base().vocabulary(Vocabulary.of(List.of("nudity", "tree", "house", "car", "dog", "cat")));
    }

    /**
     * The ESD family on SDXL (lr 1e-4, 20 θ updates) lowers the ESD loss on held-out samples, changes
     * exactly the cross-attention tensors and is deterministic.
     */
    @Test
    void theEsdFamilyLowersTheHeldOutEsdLossOnSdxl() {
        TinyModels.assertEsdFamilyLowersHeldOutLoss(new SdxlErasureModel(xl), tiny().learningRate(1e-4).iterations(20),
                List.of(Preserve.none(), Preserve.neutral(), Preserve.concepts("house"), Preserve.adversarial(2).kClosest(4)));
    }

    /** EAP's candidates on SDXL are chosen on what its Gumbel mixture mixes: prompt and pooled embeddings. */
    @Test
    void eapCandidatesAreChosenOnPromptAndPooledEmbeddings() {
        SdxlErasureModel model = new SdxlErasureModel(xl);
        List<String> words = List.of("tree", "house", "car");
        double[] sim = CandidateSet.similarities(model, "nudity", words, 0f);
        Conditioning target = model.condition(List.of("nudity"), 8);
        float[] tp = target.promptEmbeds().toFloatArray();
        float[] tq = target.pooled().toFloatArray();
        for (int w = 0; w < words.size(); w++) {
            Conditioning c = model.condition(List.of(words.get(w)), 8);
            float[] p = c.promptEmbeds().toFloatArray();
            float[] q = c.pooled().toFloatArray();
            double promptOnly = 0;
            for (int i = 0; i < p.length; i++) promptOnly += (double) (tp[i] - p[i]) * (tp[i] - p[i]);
            double pooled = 0;
            for (int i = 0; i < q.length; i++) pooled += (double) (tq[i] - q[i]) * (tq[i] - q[i]);
            assertTrue(pooled > 0, "the pooled embeddings differ");
            assertEquals(-Math.sqrt(promptOnly + pooled), sim[w], 1e-4 * Math.sqrt(promptOnly + pooled), words.get(w));
            assertTrue(Math.abs(-Math.sqrt(promptOnly) - sim[w]) > 1e-4 * Math.sqrt(promptOnly + pooled),
                    "the pooled part counts beyond the tolerance (prompt embeddings alone give another distance)");
        }
    }

    @Test
    void esdTrainsTheCrossAttentionOfSdxlAndTheErasedModelGenerates() {
        Map<String, NDArray> frozen = xl.unet().weights().asMap();
        byte[] before = TinyModels.digest(frozen);
        try (ErasureResult r = tiny().steps(3).run()) {
            List<String> selected = Params.crossAttention().select(xl.unet().weights().keys());
            assertEquals(new TreeSet<>(selected), new TreeSet<>(r.changedTensors().keySet()));
            for (Map.Entry<String, NDArray> e : r.changedTensors().entrySet()) {
                assertFalse(Arrays.equals(frozen.get(e.getKey()).toFloatArray(), e.getValue().toFloatArray()),
                        e.getKey() + " did not change");
            }
            assertTrue(selected.stream().anyMatch(k -> k.contains("attn2.to_k")), "SDXL's cross-attention keys are selected");
            r.outcome().records().forEach(s -> assertTrue(Double.isFinite(s.losses().get("loss")), "loss " + s.losses()));
            System.out.println("ESD on SDXL losses " + r.outcome().records().stream().map(s -> s.losses().get("loss")).toList());
            Generation g = Generation.of("nudity").seed(1).steps(2).size(64, 64);
            assertTrue(differ(xl.generate(g), r.sdxlModel().generate(g)), "erasing changed nothing");
        }
        assertTrue(Arrays.equals(before, TinyModels.digest(xl.unet().weights().asMap())), "frozen SDXL UNet unchanged");
    }

    @Test
    void esdOnSdxlIsDeterministicAndResumesExactly(@TempDir Path dir) {
        Erasure esd = tiny().train(Params.nonCrossAttention());
        try (ErasureResult full = esd.steps(2).run(); ErasureResult again = esd.steps(2).run()) {
            assertTrue(TinyModels.sameTensors(full.changedTensors(), again.changedTensors()), "same seed, same weights");
            try (ErasureResult half = esd.steps(1).checkpointEvery(1, dir).run();
                 ErasureResult resumed = esd.steps(2).resume(dir).run()) {
                assertEquals(1, half.stepsDone());
                assertTrue(TinyModels.sameTensors(full.changedTensors(), resumed.changedTensors()), "resume = uninterrupted");
            }
        }
    }

    @Test
    void eapMixesPromptAndPooledEmbeddingsOfTheCandidates(@TempDir Path dir) {
        Erasure eap = tiny().preserve(Preserve.adversarial(2).kClosest(4));
        try (ErasureResult r = eap.steps(2).run()) {
            assertEquals(4, r.outcome().records().size(), "P = 2 iterations per θ step");
            r.outcome().records().forEach(s -> assertTrue(Double.isFinite(s.losses().get("loss")), "loss " + s.losses()));
            assertEquals(1, r.outcome().candidates().size());
            AdversarialPreservation.Step adversary = r.records(AdversarialPreservation.Step.class).get(1);
            assertEquals("adversary", adversary.phase());
            assertTrue(Math.abs(adversary.pi()[0] - 0.5) > 1e-9, "the adversary moved π: " + Arrays.toString(adversary.pi()));
            assertEquals(new TreeSet<>(Params.crossAttention().select(xl.unet().weights().keys())),
                    new TreeSet<>(r.changedTensors().keySet()));
            try (ErasureResult half = eap.steps(1).checkpointEvery(1, dir).run();
                 ErasureResult resumed = eap.steps(2).resume(dir).run()) {
                assertTrue(TinyModels.sameTensors(r.changedTensors(), resumed.changedTensors()), "resume = uninterrupted");
                assertArrayEquals(adversary.pi(), resumed.records(AdversarialPreservation.Step.class).get(1).pi());
            }
        }
        for (Preserve p : List.of(Preserve.concepts("tree", "house"), Preserve.continuous().pgdSteps(2))) {
            try (ErasureResult r = tiny().steps(2).preserve(p).run()) {
                assertFalse(r.changedTensors().isEmpty(), p.toString());
                r.outcome().records().forEach(s -> assertTrue(Double.isFinite(s.losses().get("preserve")), p + " loss " + s.losses()));
            }
        }
    }

    @Test
    void advAnchorPerturbsSdxlsPromptEmbeddings() {
        try (ErasureResult r = base().iterations(1).method(Methods.advAnchor().images(1).innerSteps(1)).run()) {
            assertEquals(new TreeSet<>(Params.crossAttention().select(xl.unet().weights().keys())),
                    new TreeSet<>(r.changedTensors().keySet()));
            r.outcome().records().forEach(s -> s.losses().values().forEach(v -> assertTrue(Double.isFinite(v), "loss " + s.losses())));
        }
    }

    @Test
    void conceptAblationRunsOnSdxl() {
        // CA samples its anchors on its own grid (anchorSampling), so the shared ddimGrid is not set
        try (ErasureResult r = Erasure.of(xl).target("nudity").latentSize(8).learningRate(1e-3).seed(7).iterations(1)
                .method(Methods.conceptAblation().anchorPrompts(List.of("a house"))
                .anchorImages(1)).run()) {
            assertFalse(r.changedTensors().isEmpty());
            r.outcome().records().forEach(s -> assertTrue(Double.isFinite(s.losses().get("loss")), "loss " + s.losses()));
        }
    }

    @Test
    void aSweepRunsOnSdxlUnchanged() {
        Table t = Sweep.over(tiny().steps(1))
                .grid("params", Params.crossAttention(), Params.nonCrossAttention())
                .metrics(Metric.finalLoss()).run();
        assertEquals(2, t.rowCount());
        t.doubleColumn("final_loss").forEach(v -> assertTrue(Double.isFinite(v), "final loss " + v));
    }

    @Test
    void advUnlearnIsRefusedUpFrontOnSdxl() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Erasure.of(xl).target("nudity").method(Methods.advUnlearn()).run());
        assertTrue(e.getMessage().contains("AdvUnlearn cannot run on SDXL"), e.getMessage());
    }

    /** A v-prediction SDXL trains too: its UNet is read as ε = √ᾱ·v + √(1−ᾱ)·x (computed here independently). */
    @Test
    void aVPredictionSdxlIsReadAsEpsilonAndTrains(@TempDir Path dir) throws Exception {
        Path folder = fixtureWithout(dir, "scheduler");
        String config = Files.readString(Fixtures.tinySdxl().resolve("scheduler/scheduler_config.json"));
        Files.writeString(folder.resolve("scheduler/scheduler_config.json"), config.replace("\"epsilon\"", "\"v_prediction\""));
        try (StableDiffusionXL v = StableDiffusionXL.load(folder, LoadOptions.defaults().device("cpu"));
             NDManager m = v.manager().newSubManager()) {
            SdxlErasureModel model = new SdxlErasureModel(v);
            Conditioning c = model.condition(List.of("nudity"), 8);
            long channels = model.latentChannels();
            float[] xs = new float[(int) (channels * 8 * 8)];
            for (int i = 0; i < xs.length; i++) xs[i] = (float) Math.sin(i * 0.37);
            NDArray x = m.create(xs, new Shape(1, channels, 8, 8));
            int t = 700;
            float[] raw = v.unet().forward(x, m.create((long) t), c).toFloatArray();
            float[] eps = model.unet(model.unetWeights()).predict(x, t, c).toFloatArray();
            double a = model.alphasCumprod()[t];
            float[] expected = new float[raw.length];
            for (int i = 0; i < raw.length; i++) expected[i] = (float) (Math.sqrt(a) * raw[i] + Math.sqrt(1 - a) * xs[i]);
            assertArrayEquals(expected, eps, 1e-5f, "ε of a v-prediction SDXL");
            try (ErasureResult r = Erasure.of(v).target("nudity").latentSize(8).ddimGrid(5).iterations(2).run()) {
                r.records().forEach(st -> assertTrue(Double.isFinite(st.losses().get("loss")), "loss " + st.losses()));
                assertFalse(r.changedTensors().isEmpty());
            }
        }
    }

    @Test
    void theSavedUnetDropsIntoAnSdxlFolder(@TempDir Path dir) throws Exception {
        Path folder = fixtureWithout(dir, "unet");
        Files.copy(Fixtures.tinySdxl().resolve("unet/config.json"), folder.resolve("unet/config.json"));
        try (ErasureResult r = tiny().steps(1).run()) {
            r.saveFullUnet(folder.resolve("unet/diffusion_pytorch_model.safetensors"));
            Generation g = Generation.of("nudity").seed(3).steps(2).size(64, 64);
            try (StableDiffusionXL erased = StableDiffusionXL.load(folder, LoadOptions.defaults().device("cpu"))) {
                BufferedImage a = erased.generate(g);
                BufferedImage b = r.sdxlModel().generate(g);
                assertFalse(differ(a, b), "the saved UNet generates as the in-memory erased model");
            }
        }
    }

    /** A copy of the SDXL fixture (links) with an empty {@code component} folder to fill. */
    private static Path fixtureWithout(Path dir, String component) throws Exception {
        Path folder = dir.resolve("sdxl");
        Files.createDirectories(folder.resolve(component));
        try (var entries = Files.list(Fixtures.tinySdxl())) {
            for (Path e : entries.toList()) {
                String name = e.getFileName().toString();
                if (!name.equals(component)) Files.createSymbolicLink(folder.resolve(name), e.toAbsolutePath());
            }
        }
        return folder;
    }

    private static boolean differ(BufferedImage a, BufferedImage b) {
        for (int y = 0; y < a.getHeight(); y++) for (int x = 0; x < a.getWidth(); x++) if (a.getRGB(x, y) != b.getRGB(x, y)) return true;
        return false;
    }
}
