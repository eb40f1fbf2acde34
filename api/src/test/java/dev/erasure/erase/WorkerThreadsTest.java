package dev.erasure.erase;

import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.sd.Generation;
import dev.erasure.sd.StableDiffusion;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * libtorch's grad mode is per thread (on by default on every thread but the engine's first): an
 * erasure or a generation on a fresh thread must work, and give what it gives on the test thread,
 * while another model computes on another thread.
 */
class WorkerThreadsTest extends TinyModels {
    private static Erasure tiny() {
        return tinyErasure().steps(2);
    }

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void erasureAndGenerationOnFreshThreadsConcurrentlyWithAnotherModel() throws Exception {
        Generation g = Generation.of("a church").seed(3).steps(3).size(32, 32);
        float[] expected;
        try (ErasureResult here = tiny().run()) {
            expected = firstTensor(here);
        }
        int[] expectedImage = pixels(sd.generate(g));
        ExecutorService pool = Executors.newFixedThreadPool(3); // fresh threads: grad mode on by default
        try (StableDiffusion other = load()) {
            Future<float[]> erased = pool.submit(() -> {
                try (ErasureResult r = tiny().run()) {
                    return firstTensor(r);
                }
            });
            Future<int[]> image = pool.submit(() -> pixels(sd.generate(g)));
            Future<int[]> otherImage = pool.submit(() -> pixels(other.generate(g)));
            assertArrayEquals(expected, erased.get(5, TimeUnit.MINUTES), "erasure on a worker thread = on the test thread");
            assertArrayEquals(expectedImage, image.get(5, TimeUnit.MINUTES), "generation on a worker thread");
            assertArrayEquals(expectedImage, otherImage.get(5, TimeUnit.MINUTES), "a second model on a third thread");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(false, Arrays.equals(expected, new float[expected.length]), "the erasure trained something");
    }

    private static float[] firstTensor(ErasureResult r) {
        String k = r.changedTensors().keySet().iterator().next();
        return r.changedTensors().get(k).toFloatArray();
    }
}
