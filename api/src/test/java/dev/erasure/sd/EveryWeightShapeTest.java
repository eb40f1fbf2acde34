package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.io.WeightException;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every tensor of every component of every fixture (SD-1 and SD-2 folders and single files, SDXL
 * with both text encoders), one axis at a time made one larger: building the component must fail
 * with a WeightException naming the source file and the key (issue #14 item 5), and every key the
 * model reads must be in the config's shape table ({@link ParameterShapes}).
 */
class EveryWeightShapeTest {
    /** Buffers that are saved but never read by the model. */
    private static final Set<String> UNREAD = Set.of("text_model.embeddings.position_ids");

    @Test
    void everyWrongShapeOfSd1AndSd2IsNamedAtLoad() {
        for (Path folder : List.of(Fixtures.tinySd(), Fixtures.tinySd2())) {
            List<Path> models = new ArrayList<>(List.of(folder));
            models.addAll(PipelineParityTest.singleFilesOf(folder));
            int heads = -1;
            for (Path p : models) {
                LoadOptions o = LoadOptions.defaults().device("cpu");
                try (StableDiffusion sd = StableDiffusion.load(p, heads < 0 ? o : o.textHeads(heads))) {
                    heads = sd.textEncoder().config().numAttentionHeads();
                    assertAllNamed(p + " unet", sd.unet().weights(), ParameterShapes.unet(sd.unet().config()), sd.unet()::withWeights);
                    assertAllNamed(p + " vae", sd.vae().weights(), ParameterShapes.vae(sd.vae().config()), sd.vae()::withWeights);
                    assertAllNamed(p + " text", sd.textEncoder().weights(), ParameterShapes.clipText(sd.textEncoder().config()),
                            sd.textEncoder()::withWeights);
                }
            }
        }
    }

    @Test
    void everyWrongShapeOfSdxlIsNamedAtLoad() {
        try (StableDiffusionXL xl = StableDiffusionXL.load(Fixtures.tinySdxl(), LoadOptions.defaults().device("cpu"))) {
            assertAllNamed("sdxl unet", xl.unet().weights(), ParameterShapes.unet(xl.unet().config()), xl.unet()::withWeights);
            assertAllNamed("sdxl vae", xl.vae().weights(), ParameterShapes.vae(xl.vae().config()), xl.vae()::withWeights);
            ClipTextModel te1 = xl.prompts().encoder1();
            ClipTextModel te2 = xl.prompts().encoder2();
            assertAllNamed("sdxl text_encoder", te1.weights(), ParameterShapes.clipText(te1.config()), te1::withWeights);
            Map<String, Shape> table2 = new HashMap<>(ParameterShapes.clipText(te2.config()));
            table2.put("text_projection.weight", te2.weights().get("text_projection.weight").getShape()); // checked by StableDiffusionXL.load
            assertAllNamed("sdxl text_encoder_2", te2.weights(), table2, w -> {
                ClipTextModel m = te2.withWeights(w);
                m.weights().get("text_projection.weight", table2.get("text_projection.weight"));
                return m;
            });
        }
    }

    private static void assertAllNamed(String what, Weights w, Map<String, Shape> table, Function<Weights, ?> build) {
        List<String> bad = new ArrayList<>();
        int i = 0;
        int checked = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (Map.Entry<String, NDArray> e : w.asMap().entrySet()) {
                String key = e.getKey();
                if (UNREAD.contains(key)) continue;
                if (!table.containsKey(key)) {
                    bad.add(key + ": not in the config's shape table");
                    continue;
                }
                long[] s = e.getValue().getShape().getShape().clone(); // getShape() exposes DJL's own array
                s[i++ % s.length] += 1;
                try {
                    build.apply(w.overlay(Map.of(key, m.zeros(new Shape(s), e.getValue().getDataType()))));
                    bad.add(key + " " + new Shape(s) + ": accepted");
                } catch (WeightException x) {
                    String msg = x.getMessage();
                    if (!msg.contains("'" + key + "'") || !msg.contains(w.source()) || !msg.contains(new Shape(s).toString())
                            || !msg.contains(e.getValue().getShape().toString())) bad.add(key + ": " + msg);
                }
                checked++;
            }
        }
        assertTrue(bad.isEmpty(), what + ": " + bad.size() + " of " + w.asMap().size() + " tensors not named at load: " + bad);
        assertEquals(true, checked > 0, what);
    }
}
