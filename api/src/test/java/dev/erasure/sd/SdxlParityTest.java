package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.erasure.sd.scheduler.EulerDiscreteScheduler;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SDXL goldens of the fixture in {@code -Derasure.fixtures.sdxl} (default tiny-sdxl): both
 * tokenizers, prompt + pooled embeddings, hidden states, the UNet with its "text_time" added
 * embedding (stored cases and intermediates), Euler timesteps/sigmas/steps. Entries a fixture
 * lacks are skipped.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SdxlParityTest {
    private Golden golden;
    private NDManager manager;
    private SdxlPromptEncoder encoder;
    private UNet2DConditionModel unet;

    protected Path fixture() {
        return Fixtures.tinySdxl();
    }

    @BeforeAll
    void load() {
        golden = new Golden(fixture());
        manager = NDManager.newBaseManager();
        Path f = golden.folder();
        encoder = ModelFixtures.sdxlPromptEncoder(f, manager);
        unet = ModelFixtures.unet(f, manager);
    }

    @AfterAll
    void close() {
        manager.close();
        golden.close();
    }

    private List<String> prompts() {
        List<String> out = new ArrayList<>();
        for (JsonElement e : golden.json().getAsJsonArray("prompts")) out.add(e.getAsJsonObject().get("prompt").getAsString());
        return out;
    }

    @Test
    void bothTokenizers() {
        List<String> prompts = prompts();
        compareIds("tokenizer.input_ids", encoder.tokenizer1().encode(prompts));
        compareIds("tokenizer_2.input_ids", encoder.tokenizer2().encode(prompts));
    }

    private void compareIds(String name, long[][] ids) {
        if (!golden.has(name)) {
            System.out.println("skipped: fixture has no " + name);
            return;
        }
        for (int i = 0; i < ids.length; i++) assertArrayEquals(golden.tensor(name).get(i).toLongArray(), ids[i], name + " row " + i);
    }

    @Test
    void promptEmbeddingsPooledAndHiddenStates() {
        try (NDScope scope = new NDScope()) {
            NDArray ids1 = golden.tensor("tokenizer.input_ids");
            NDArray ids2 = golden.tensor("tokenizer_2.input_ids");
            SdxlPromptEncoder.Encoded e = encoder.encodeIds(ids1, ids2);
            golden.assertClose("encode.prompt_embeds", e.promptEmbeds());
            golden.assertClose("encode.pooled_prompt_embeds", e.pooled());
            ClipTextModel.Output o1 = encoder.encoder1().forwardAll(ids1);
            ClipTextModel.Output o2 = encoder.encoder2().forwardAll(ids2);
            Map<String, NDArray> all = Map.of(
                    "text_encoder.hidden_states", NDArrays.stack(new NDList(o1.hiddenStates()), 1),
                    "text_encoder_2.hidden_states", NDArrays.stack(new NDList(o2.hiddenStates()), 1),
                    "text_encoder_2.last_hidden_state", o2.lastHiddenState(),
                    "text_encoder_2.pooled_output", o2.pooled());
            for (String name : golden.entries().keySet()) {
                String base = name.replaceAll("_sel$", "");
                if (!name.startsWith("text_encoder") || !all.containsKey(base)) continue;
                NDArray actual = name.endsWith("_sel")
                        ? ModelFixtures.selectPrompts(all.get(base), golden.entries().get(name), name) : all.get(base);
                golden.assertClose(name, actual);
                System.out.printf("%s max abs diff %.3g%n", name, Golden.maxAbsDiff(actual, golden.tensor(name)));
            }
        }
    }

    @Test
    void timeIdCasesAndTheirSinusoids() {
        if (!golden.json().has("time_id_cases")) return;
        JsonArray cases = golden.json().getAsJsonArray("time_id_cases");
        List<NDArray> rows = new ArrayList<>();
        for (JsonElement c : cases) {
            JsonObject o = c.getAsJsonObject();
            int[] orig = ints(o.getAsJsonArray("original_size"));
            int[] crop = ints(o.getAsJsonArray("crops_coords_top_left"));
            int[] target = ints(o.getAsJsonArray("target_size"));
            rows.add(new SizeConditioning(orig[0], orig[1], crop[0], crop[1], target[0], target[1]).timeIds(manager, 1));
        }
        golden.assertClose("time_ids.cases", NDArrays.concat(new NDList(rows), 0));
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsInt();
        return out;
    }

    @Test
    void unetCasesWithAddedConditioning() {
        int compared = 0;
        for (String name : golden.entries().keySet()) {
            if (!name.startsWith("unet.") || !name.endsWith(".out")) continue;
            String prefix = name.substring(0, name.length() - 4);
            try (NDScope scope = new NDScope()) {
                Map<String, NDArray> capture = new HashMap<>();
                NDArray sample = golden.tensor(prefix + ".sample");
                Conditioning c;
                if (golden.has(prefix + ".encoder_hidden_states")) {
                    c = new Conditioning(golden.tensor(prefix + ".encoder_hidden_states"),
                            golden.tensor(prefix + ".text_embeds"), golden.tensor(prefix + ".time_ids"));
                } else {
                    c = describedCfgConditioning(prefix);
                    sample = NDArrays.concat(new NDList(sample, sample), 0);
                }
                String t = golden.has(prefix + ".timesteps") ? prefix + ".timesteps" : prefix + ".timestep";
                NDArray out = unet.forward(sample, golden.tensor(t), c, capture);
                golden.assertClose(name, out);
                for (String e : golden.entries().keySet()) {
                    if (!e.startsWith(prefix + ".inter.")) continue;
                    String module = e.substring((prefix + ".inter.").length());
                    NDArray actual = capture.get(module);
                    assertTrue(actual != null, "no captured output for " + module);
                    golden.assertClose(e, actual.getShape().equals(golden.tensor(e).getShape()) ? actual
                            : actual.reshape(golden.tensor(e).getShape()));
                }
                System.out.printf("%s max abs diff %.3g%n", name, Golden.maxAbsDiff(out, golden.tensor(name)));
                compared++;
            }
        }
        assertTrue(compared > 0, "no UNet case with stored conditioning");
    }

    /**
     * A case golden.json's unet_cases describes instead of storing (README (d), unet.case_b): the
     * pipeline's CFG batch on the zeroed-negative path, [zeros, prompt p] for prompt and pooled
     * embeddings (rows of encode.*) and time-id case i (a row of time_ids.cases) twice.
     */
    private Conditioning describedCfgConditioning(String prefix) {
        JsonObject d = golden.json().getAsJsonObject("unet_cases").getAsJsonObject(prefix.substring("unet.".length()));
        int p = d.get("prompt").getAsInt();
        int i = d.get("time_ids").getAsInt();
        NDArray embeds = golden.tensor("encode.prompt_embeds").get(p + ":" + (p + 1));
        NDArray pooled = golden.tensor("encode.pooled_prompt_embeds").get(p + ":" + (p + 1));
        NDArray ids = golden.tensor("time_ids.cases").get(i + ":" + (i + 1));
        Conditioning positive = new Conditioning(embeds, pooled, ids);
        return Conditioning.concat(positive.zeros(), positive);
    }

    @Test
    void eulerSchedule() {
        EulerDiscreteScheduler euler = EulerDiscreteScheduler.fromJson(ModelFixtures.config(golden.folder().resolve("scheduler"),
                "scheduler_config.json"));
        NDManager m = golden.manager();
        int compared = 0;
        for (String name : golden.entries().keySet()) {
            Matcher k = Pattern.compile("euler\\.(timesteps|sigmas|init_noise_sigma)_(\\d+)").matcher(name);
            if (name.equals("euler.alphas_cumprod")) {
                golden.assertClose(name, m.create(euler.alphasCumprod()), 0);
            } else if (k.matches()) {
                int n = Integer.parseInt(k.group(2));
                NDArray actual = switch (k.group(1)) {
                    case "timesteps" -> m.create(euler.timesteps(n));
                    case "sigmas" -> m.create(euler.sigmas(n));
                    default -> m.create(new float[] {euler.initNoiseSigma(n)});
                };
                golden.assertClose(name, actual, 1e-6 * golden.tensor(name).abs().max().getFloat());
            } else if (name.matches("euler\\.step_\\w+\\.prev_sample")) {
                String step = name.substring(0, name.length() - ".prev_sample".length());
                float t = golden.tensor(step + ".timestep").toFloatArray()[0];
                float[] ts = euler.timesteps(10);
                float[] sig = euler.sigmas(10);
                int i = 0;
                while (ts[i] != t) i++;
                NDArray[] out = euler.step(golden.tensor("euler.step.model_output"), sig[i], sig[i + 1], golden.tensor("euler.step.sample"));
                golden.assertClose(name, out[0]);
                golden.assertClose(step + ".pred_original_sample", out[1]);
                golden.assertClose(step + ".scaled_model_input",
                        euler.schedule(10).scaleModelInput(golden.tensor("euler.step.sample"), i));
            } else {
                continue;
            }
            compared++;
        }
        assertTrue(compared > 0, "no euler.* goldens");
    }
}
