package dev.erasure.sd;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** UNetConfig/VaeConfig read diffusers configs as diffusers does and reject what this port lacks by name. */
class UNetConfigTest {
    private static JsonObject fixtureUnet() {
        return ModelFixtures.config(Fixtures.tinySd().resolve("unet"));
    }

    private static void assertRejects(String key, String jsonValue) {
        JsonObject json = fixtureUnet();
        json.add(key, JsonParser.parseString(jsonValue));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UNetConfig.fromJson(json));
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void sd1AttentionHeadDimMeansHeadsUnlessNumAttentionHeadsIsSet() {
        JsonObject json = fixtureUnet();
        assertArrayEquals(new int[] {8, 8, 8, 8}, UNetConfig.fromJson(json).numAttentionHeads);
        json.add("attention_head_dim", JsonParser.parseString("[5, 10, 20, 20]"));
        assertArrayEquals(new int[] {5, 10, 20, 20}, UNetConfig.fromJson(json).numAttentionHeads);
        json.addProperty("num_attention_heads", 4);
        assertArrayEquals(new int[] {4, 4, 4, 4}, UNetConfig.fromJson(json).numAttentionHeads);
    }

    @Test
    void perBlockOptionsBroadcastAndDefaults() {
        JsonObject json = fixtureUnet();
        json.add("transformer_layers_per_block", JsonParser.parseString("[1, 2, 3, 4]"));
        json.remove("upcast_attention");
        UNetConfig c = UNetConfig.fromJson(json);
        assertArrayEquals(new int[] {1, 2, 3, 4}, c.transformerLayersPerBlock);
        assertArrayEquals(new int[] {2, 2, 2, 2}, c.layersPerBlock);
        assertEquals(false, c.upcastAttention);
        assertEquals(128, c.timeEmbeddingDim);
    }

    @Test
    void unsupportedOptionsAreNamed() {
        assertRejects("resnet_time_scale_shift", "\"scale_shift\"");
        assertRejects("time_embedding_type", "\"fourier\"");
        assertRejects("down_block_types", "[\"SimpleCrossAttnDownBlock2D\", \"DownBlock2D\", \"DownBlock2D\", \"DownBlock2D\"]");
        assertRejects("mid_block_type", "\"UNetMidBlock2DSimpleCrossAttn\"");
        assertRejects("class_embed_type", "\"timestep\"");
        assertRejects("addition_embed_type", "\"text_time\"");
        assertRejects("layers_per_block", "[2, 2]");
        assertRejects("use_linear_projection", "\"yes\"");
    }

    @Test
    void vaeConfigReadsScalingFactorWithDefault() {
        JsonObject json = ModelFixtures.config(Fixtures.tinySd().resolve("vae"));
        assertEquals(0.18215, VaeConfig.fromJson(json).scalingFactor, 0);
        json.remove("scaling_factor");
        assertEquals(0.18215, VaeConfig.fromJson(json).scalingFactor, 0);
        json.add("up_block_types", JsonParser.parseString("[\"AttnUpDecoderBlock2D\", \"UpDecoderBlock2D\", \"UpDecoderBlock2D\", \"UpDecoderBlock2D\"]"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VaeConfig.fromJson(json));
        assertTrue(e.getMessage().contains("up_block_types"), e.getMessage());
    }
}
