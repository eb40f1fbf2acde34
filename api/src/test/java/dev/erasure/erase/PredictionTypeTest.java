package dev.erasure.erase;

import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.Methods;
import dev.erasure.core.Params;
import dev.erasure.sd.LoadOptions;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.testing.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training methods read the UNet output as ε: on a v-prediction model (tiny-sd2, like SD 2.x
 * 768-v) they are refused before any compute instead of training on the wrong target; UCE, a
 * closed-form edit of the cross-attention projections, still runs.
 */
class PredictionTypeTest {
    @Test
    void vPredictionRefusesTheTrainingMethodsButNotUce() {
        try (StableDiffusion sd = StableDiffusion.load(Fixtures.tinySd2(), LoadOptions.defaults().device("cpu"))) {
            Erasure esd = Erasure.of(sd).target("church").train(Params.crossAttention()).iterations(1).ddimGrid(2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, esd::run);
            assertTrue(e.getMessage().contains("v_prediction") && e.getMessage().contains("epsilon-prediction"), e.getMessage());
            try (ErasureResult r = Erasure.of(sd).target("church").method(Methods.uce()).run()) {
                assertFalse(r.cancelled());
            }
        }
    }
}
