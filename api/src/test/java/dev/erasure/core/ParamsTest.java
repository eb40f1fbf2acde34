package dev.erasure.core;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The diffusers-name filters select exactly what the official CompVis rules (methods.md §0.3)
 * select on the CompVis names, using the fixture's single-file key map as the bridge.
 */
class ParamsTest {
    private static final String UNET_PREFIX = "model.diffusion_model.";

    /** The CompVis train_method rules, verbatim from the official trainers. */
    private static final Map<String, Predicate<String>> COMPVIS = Map.of(
            "xattn", n -> n.contains("attn2"),
            "noxattn", n -> !(n.startsWith("out.") || n.contains("attn2") || n.contains("time_embed")),
            "full", n -> true,
            "selfattn", n -> n.contains("attn1"),
            "notime", n -> !(n.startsWith("out.") || n.contains("time_embed")),
            "xlayer", n -> n.contains("attn2") && (n.contains("output_blocks.6.") || n.contains("output_blocks.8.")),
            "selflayer", n -> n.contains("attn1") && (n.contains("input_blocks.4.") || n.contains("input_blocks.7.")),
            "xattn_matching", n -> n.contains("attn2") && (n.contains("to_q") || n.contains("to_k") || n.contains("to_v")));

    @Test
    void diffusersFiltersEqualTheCompVisRules() throws Exception {
        Path dir = Fixtures.tinySd();
        JsonObject map = JsonParser.parseString(Files.readString(dir.resolve("single-file-key-map.json"))).getAsJsonObject();
        Map<String, String> compvisToDiffusers = new TreeMap<>();
        for (String k : map.keySet()) {
            JsonObject e = map.getAsJsonObject(k);
            if (e.get("component").getAsString().equals("unet")) {
                compvisToDiffusers.put(k.substring(UNET_PREFIX.length()), e.get("diffusers_key").getAsString());
            }
        }
        Set<String> diffusersKeys = Safetensors.header(dir.resolve("unet/diffusion_pytorch_model.safetensors"))
                .byName().keySet();
        assertEquals(new TreeSet<>(diffusersKeys), new TreeSet<>(compvisToDiffusers.values()), "key map covers the UNet");
        for (Map.Entry<String, Predicate<String>> rule : COMPVIS.entrySet()) {
            Set<String> want = compvisToDiffusers.entrySet().stream().filter(e -> rule.getValue().test(e.getKey()))
                    .map(Map.Entry::getValue).collect(Collectors.toCollection(TreeSet::new));
            Set<String> got = new TreeSet<>(Params.named(rule.getKey()).select(diffusersKeys));
            assertEquals(want, got, rule.getKey());
            assertFalse(got.isEmpty(), rule.getKey() + " selects something on SD-1 structure");
        }
    }

    @Test
    void crossAttentionIsFiveTensorsPerTransformerBlock() {
        Set<String> keys = Safetensors.header(Fixtures.tinySd().resolve("unet/diffusion_pytorch_model.safetensors")).byName().keySet();
        assertEquals(16 * 5, Params.crossAttention().select(keys).size(), "16 transformer blocks × (q,k,v,out.w,out.b)");
        assertEquals(16 * 3, Params.crossAttentionMatching().select(keys).size());
        assertEquals(16 * 2, Params.crossAttentionKeyValue().select(keys).size());
        assertTrue(Params.nonCrossAttention().test("down_blocks.0.resnets.0.time_emb_proj.weight"));
        assertFalse(Params.nonCrossAttention().test("time_embedding.linear_1.weight"));
        assertTrue(Params.matching("attn2\\.to_[kv]").select(keys).size() == 32);
        assertThrows(IllegalArgumentException.class, () -> Params.named("esd-z"));
    }
}
