package dev.erasure.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.erasure.sd.ClipTextModel;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CLIPModel parity on tiny-clip: every golden.json entry except the images.* preprocessing ones
 * (ClipImageProcessorParityTest) is recomputed from the golden pixel values and the prompts in
 * golden.json → prompts, and compared with the tolerance {@link ClipTolerance} names.
 */
class ClipModelParityTest {
    private static Golden golden;
    private static NDManager manager;
    private static ClipModel model;
    private static List<String> prompts;

    @BeforeAll
    static void load() {
        golden = new Golden(Fixtures.tinyClip());
        manager = NDManager.newBaseManager();
        model = ClipModel.load(Fixtures.tinyClip(), manager);
        prompts = new ArrayList<>();
        for (JsonElement p : golden.json().getAsJsonArray("prompts")) prompts.add(p.getAsJsonObject().get("prompt").getAsString());
    }

    @AfterAll
    static void close() {
        manager.close();
        golden.close();
    }

    /** Our value for each golden entry name (the pairs of clip_score.pairs_* are (image i, prompt i)). */
    private static Map<String, NDArray> actual() {
        Map<String, NDArray> out = new HashMap<>();
        NDArray pixels = golden.tensor("processor.pixel_values");
        ClipVisionModel.Output v = model.visionModel().forward(pixels);
        out.put("vision.embeddings", v.embeddings());
        out.put("vision.pre_layrnorm", v.hiddenStates().get(0));
        out.put("vision.hidden_states", NDArrays.stack(new NDList(v.hiddenStates()), 1));
        out.put("vision.last_hidden_state", v.lastHiddenState());
        out.put("vision.pooler_output", v.pooled());
        NDArray img = model.imageEmbeds(pixels);
        out.put("vision.image_embeds", img);
        out.put("vision.image_embeds_normalized", ClipModel.normalize(img));

        ClipModel.TextInputs in = model.tokenize(manager, prompts);
        out.put("text.input_ids", in.ids());
        out.put("text.attention_mask", in.attentionMask());
        out.put("text.eos_index", in.attentionMask().sum(new int[] {1}).sub(1));
        ClipTextModel.Output t = model.textModel().forwardAll(in.ids(), in.attentionMask());
        out.put("text.last_hidden_state", t.lastHiddenState());
        out.put("text.hidden_states", NDArrays.stack(new NDList(t.hiddenStates()), 1));
        out.put("text.pooler_output", t.pooled());
        out.put("text.last_hidden_state_no_attention_mask", model.textModel().forward(in.ids()));
        NDArray txt = model.textEmbeds(in);
        out.put("text.text_embeds", txt);
        out.put("text.text_embeds_normalized", ClipModel.normalize(txt));

        NDArray logits = model.logitsPerImage(img, txt);
        out.put("logits_per_image", logits);
        out.put("logits_per_text", logits.transpose());
        out.put("logit_scale", model.weights().get("logit_scale").reshape(1));

        NDArray cos = ClipModel.normalize(img).matMul(ClipModel.normalize(txt).transpose());
        out.put("clip_score.cosine", cos);
        out.put("clip_score.matrix_100cos", cos.mul(100f));
        out.put("clip_score.matrix_clamped", cos.maximum(0f).mul(100f));
        int pairs = (int) img.getShape().get(0);
        float[] pairCos = ClipScore.pairCosines(img, txt.get(":{}", pairs));
        float[] raw = new float[pairs];
        for (int i = 0; i < pairs; i++) raw[i] = 100f * pairCos[i];
        out.put("clip_score.pairs_100cos", manager.create(raw));
        out.put("clip_score.pairs_clamped", manager.create(ClipScore.clamp(pairCos)));
        out.put("clip_score.torchmetrics_value", manager.create(new float[] {(float) ClipScore.torchmetricsValue(pairCos)}));

        NDArray tmIds = manager.create(torchmetricsIds(prompts));
        out.put("torchmetrics_text_path.input_ids", tmIds);
        out.put("torchmetrics_text_path.text_embeds", model.textEmbeds(tmIds, null));
        return out;
    }

    /** torchmetrics' text path (the trap the README describes): pad to the longest prompt, no truncation, slice to 77. */
    private static long[][] torchmetricsIds(List<String> texts) {
        List<long[]> raw = new ArrayList<>();
        int longest = 0;
        for (String t : texts) {
            raw.add(model.tokenizer().encodeUnpadded(t));
            longest = Math.max(longest, raw.get(raw.size() - 1).length);
        }
        int keep = Math.min(longest, model.tokenizer().maxLength());
        long[][] out = new long[texts.size()][keep];
        for (int b = 0; b < out.length; b++) {
            Arrays.fill(out[b], model.tokenizer().padId());
            System.arraycopy(raw.get(b), 0, out[b], 0, Math.min(keep, raw.get(b).length));
        }
        return out;
    }

    @Test
    void everyModelEntryMatchesGolden() {
        Map<String, NDArray> actual = actual();
        int compared = 0;
        for (Map.Entry<String, JsonObject> e : golden.entries().entrySet()) {
            String name = e.getKey();
            if (name.startsWith("images.") || name.startsWith("processor.")) continue;
            NDArray a = actual.get(name);
            if (a == null) throw new AssertionError("no output for golden entry " + name);
            String dtype = e.getValue().get("dtype").getAsString();
            if (!dtype.startsWith("F")) a = a.toType(DataType.INT64, false);
            double tol = ClipTolerance.of(name, dtype);
            golden.assertClose(name, a, tol);
            System.out.printf("%s max abs diff %.3g (tolerance %.0e)%n", name, Golden.maxAbsDiff(a, golden.tensor(name)), tol);
            compared++;
        }
        assertTrue(compared > 0, "golden.json has no model entries");
    }

    @Test
    void tokensMatchGoldenPrompts() {
        for (JsonElement el : golden.json().getAsJsonArray("prompts")) {
            JsonObject p = el.getAsJsonObject();
            String prompt = p.get("prompt").getAsString();
            List<String> expected = new ArrayList<>();
            p.getAsJsonArray("bpe_tokens").forEach(t -> expected.add(t.getAsString()));
            assertEquals(expected, model.tokenizer().tokens(prompt), prompt);
            long[] ids = new long[p.getAsJsonArray("ids_untruncated").size()];
            for (int i = 0; i < ids.length; i++) ids[i] = p.getAsJsonArray("ids_untruncated").get(i).getAsLong();
            assertArrayEquals(ids, model.tokenizer().encodeUnpadded(prompt), prompt);
        }
    }

    @Test
    void clipScoreFromBufferedImagesMatchesGoldenPairs() {
        List<BufferedImage> images = new ArrayList<>();
        for (String name : golden.entries().keySet()) {
            if (!name.matches("images\\.\\d+")) continue;
            images.add(RgbImage.of(golden.tensor(name)).toBufferedImage());
        }
        ClipScore score = new ClipScore(model, 2); // batch of 2 exercises the chunking
        float[] scores = score.pairScores(images, prompts.subList(0, images.size()));
        String name = "clip_score.pairs_clamped";
        double tol = ClipTolerance.of(name, "F32");
        golden.assertClose(name, manager.create(scores), tol);
        double expectedMean = 0;
        for (float s : golden.tensor(name).toFloatArray()) expectedMean += s / scores.length;
        assertEquals(expectedMean, score.mean(images, prompts.subList(0, images.size())), tol);
        assertThrows(IllegalArgumentException.class, () -> score.pairScores(images, prompts));
    }

    @Test
    void missingFolderIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClipModel.load(Fixtures.tinyClip().resolve("no-such-folder"), manager));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }
}
