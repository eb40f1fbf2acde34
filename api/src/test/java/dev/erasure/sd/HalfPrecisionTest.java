package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fp16 loading: every floating weight becomes FLOAT16 and the whole pipeline runs in it. There is
 * no fp16 golden, so the check is against the fp32 golden with an fp16-sized tolerance: fp16 has
 * a 2^-11 ≈ 4.9e-4 relative step, and errors grow through ~30 layers, so 2e-2 absolute on outputs
 * of magnitude ≈1 separates "works in fp16" from a broken cast (errors of order 1).
 */
class HalfPrecisionTest {
    @Test
    void fp16PipelineTracksTheFp32Goldens() {
        try (Golden golden = new Golden(Fixtures.tinySd());
             StableDiffusion sd = StableDiffusion.load(golden.folder(),
                     LoadOptions.defaults().device("cpu").dtype(DataType.FLOAT16))) {
            assertEquals(DataType.FLOAT16, sd.dtype());
            for (String k : sd.unet().weights().keys()) {
                assertEquals(DataType.FLOAT16, sd.unet().weights().asMap().get(k).getDataType(), k);
            }
            try (NDScope scope = new NDScope()) {
                NDArray c = sd.encodePrompts(List.of("a photo of a garbage truck", ""));
                assertEquals(DataType.FLOAT16, c.getDataType());
                NDArray cases = golden.tensor("unet.case_a.encoder_hidden_states");
                NDArray x = golden.tensor("unet.case_a.sample").toType(DataType.FLOAT16, false);
                NDArray t = golden.tensor("unet.case_a.timesteps");
                NDArray out = sd.unet().forward(x, t, cases.toType(DataType.FLOAT16, false));
                double d = Golden.maxAbsDiff(out, golden.tensor("unet.case_a.out"));
                assertTrue(d < 2e-2, "fp16 UNet max abs diff " + d + " vs fp32 golden (tolerance 2e-2)");
                var img = sd.generate(Generation.of("a church").seed(1).samplingSteps(2).size(32, 32));
                assertEquals(32, img.getWidth());
            }
        }
    }
}
