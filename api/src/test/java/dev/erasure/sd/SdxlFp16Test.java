package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.erasure.testing.Fixtures;
import dev.erasure.testing.Golden;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SDXL loaded in fp16 on the fixture of {@code -Derasure.fixtures.sdxl}: with force_upcast in the VAE
 * config (SDXL's VAE overflows in fp16) the latent decodes in fp32, as StableDiffusionXLPipeline
 * does, and a whole fp16 generation runs. Tolerance: fp16-rounded weights against the fp32 decode.
 */
class SdxlFp16Test {
    private static final double TOLERANCE = 2e-2;

    @Test
    void fp16VaeWithForceUpcastDecodesInFloat32() {
        try (Golden golden = new Golden(Fixtures.tinySdxl());
             StableDiffusionXL f32 = StableDiffusionXL.load(golden.folder(), LoadOptions.defaults().device("cpu"));
             StableDiffusionXL f16 = StableDiffusionXL.load(golden.folder(),
                     LoadOptions.defaults().device("cpu").dtype(DataType.FLOAT16))) {
            if (!golden.has("vae.decode.latent")) {
                System.out.println("skipped: fixture has no vae.decode.latent");
                return;
            }
            assertTrue(f16.vae().config().forceUpcast, "the fixture's VAE config sets force_upcast (as SDXL's)");
            NDArray latent = golden.tensor("vae.decode.latent");
            NDArray reference = f32.decode(latent);
            NDArray upcast = f16.decode(latent.toType(DataType.FLOAT16, false));
            assertEquals(DataType.FLOAT32, upcast.getDataType(), "force_upcast decodes in float32");
            double diff = Golden.maxAbsDiff(upcast, reference);
            System.out.printf("fp16 SDXL, upcast VAE decode vs fp32: max abs diff %.3g (tolerance %.0e)%n", diff, TOLERANCE);
            assertTrue(diff <= TOLERANCE, "max abs diff " + diff);
            golden.assertClose("vae.decode.out", reference);

            BufferedImage img = f16.generate(Generation.of("a photo of a garbage truck").seed(1).samplingSteps(2).size(64, 64));
            assertEquals(64, img.getWidth());
        }
    }
}
