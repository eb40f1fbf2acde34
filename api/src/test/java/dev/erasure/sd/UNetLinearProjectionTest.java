package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import com.google.gson.JsonObject;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

/**
 * The SD-2.x path (use_linear_projection: proj_in/proj_out are Linear [C,C]) has no golden of its
 * own; a 1×1 conv equals a Linear over channel-last tokens, so the SD-1 fixture's weights reshaped
 * to [C,C] must reproduce the SD-1 golden output.
 */
class UNetLinearProjectionTest {
    @Test
    void linearProjectionWithReshapedConvWeightsMatchesGolden() {
        try (Golden golden = new Golden(Fixtures.tinySd()); NDManager manager = NDManager.newBaseManager()) {
            Assumptions.assumeTrue(golden.has("unet.case_a.out"), "no unet.case_a in this fixture");
            JsonObject json = ModelFixtures.config(Fixtures.tinySd().resolve("unet"));
            Assumptions.assumeFalse(json.has("use_linear_projection") && json.get("use_linear_projection").getAsBoolean());
            Weights conv = ModelFixtures.weights(Fixtures.tinySd().resolve("unet"), manager);
            Map<String, NDArray> linear = new HashMap<>();
            for (String key : conv.keys()) {
                if (key.matches(".*\\.proj_(in|out)\\.weight")) {
                    NDArray wt = conv.get(key);
                    linear.put(key, wt.reshape(wt.getShape().get(0), wt.getShape().get(1)));
                }
            }
            json.addProperty("use_linear_projection", true);
            UNet2DConditionModel unet = new UNet2DConditionModel(UNetConfig.fromJson(json), conv.overlay(linear));
            try (NDScope scope = new NDScope()) {
                NDArray out = unet.forward(golden.tensor("unet.case_a.sample"), golden.tensor("unet.case_a.timesteps"),
                        golden.tensor("unet.case_a.encoder_hidden_states"));
                golden.assertClose("unet.case_a.out", out);
            }
        }
    }
}
