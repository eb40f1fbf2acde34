package dev.erasure.erase;

import dev.erasure.Erasure;
import dev.erasure.ErasureResult;
import dev.erasure.core.Preserve;
import dev.erasure.sd.Generation;
import dev.erasure.sd.StableDiffusion;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
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

    /**
     * DJL allows one gradient collector per JVM: two erasures on two threads failed with "A
     * PtGradientCollector is already collecting". They now take turns per forward/backward and each
     * trains exactly what it trains alone.
     */
    @Test
    void twoErasuresOnTwoThreadsAtOnceEachTrainWhatTheyTrainAlone() throws Exception {
        Erasure esd = tinyErasure().iterations(4);
        Erasure eap = tinyErasure().iterations(4).preserve(Preserve.adversarial(2).kClosest(4));
        float[] esdAlone;
        float[] eapAlone;
        try (ErasureResult a = esd.run(); ErasureResult b = eap.run()) {
            esdAlone = firstTensor(a);
            eapAlone = firstTensor(b);
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            Future<float[]> first = pool.submit(() -> {
                start.await();
                try (ErasureResult r = esd.run()) {
                    return firstTensor(r);
                }
            });
            Future<float[]> second = pool.submit(() -> {
                start.await();
                try (ErasureResult r = eap.run()) {
                    return firstTensor(r);
                }
            });
            start.countDown();
            assertArrayEquals(esdAlone, first.get(5, TimeUnit.MINUTES), "ESD beside another erasure = ESD alone");
            assertArrayEquals(eapAlone, second.get(5, TimeUnit.MINUTES), "EAP beside another erasure = EAP alone");
        } finally {
            pool.shutdownNow();
        }
    }

    private static float[] firstTensor(ErasureResult r) {
        String k = r.changedTensors().keySet().iterator().next();
        return r.changedTensors().get(k).toFloatArray();
    }
}
