package dev.erasure.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.erasure.sd.Generation;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.UNet2DConditionModel;
import dev.erasure.sd.Weights;
import dev.erasure.testing.Fixtures;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Issue-2 benchmark on the tiny SD fixture: UNet forward, UNet forward+backward with the
 * cross-attention (attn2) weights trainable, a 10-step CFG sample, and DJL's per-op overhead.
 * {@code ./erasure bench sd [modelPath]}.
 */
public final class SdBench {
    private SdBench() {
    }

    public static void main(String[] args) {
        Path model = args.length > 0 ? Paths.get(args[0]) : Fixtures.tinySd();
        System.out.printf("machine: %d cores, %s, DJL %s / PyTorch engine, threads=%s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.arch"),
                Engine.getDjlVersion(), System.getProperty("ai.djl.pytorch.num_threads", "default"));
        try (StableDiffusion sd = StableDiffusion.load(model)) {
            NDManager m = sd.manager();
            UNet2DConditionModel unet = sd.unet();
            long h = unet.config().sampleSize;
            Shape latent = new Shape(1, unet.config().inChannels, h, h);
            NDArray x = m.randomNormal(latent);
            NDArray c = sd.encodePrompt("a photo of a garbage truck");
            NDArray t = m.create(new long[] {500});
            double fwd = Bench.medianMillis(3, 15, () -> {
                try (NDScope s = new NDScope()) {
                    unet.forward(x, t, c);
                }
            });
            Map<String, NDArray> trainable = attn2Trainable(unet);
            UNet2DConditionModel trainUnet = unet.withWeights(unet.weights().overlay(trainable));
            double fwdBwd = Bench.medianMillis(2, 10, () -> {
                try (NDScope s = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = trainUnet.forward(x, t, c).square().mean();
                    gc.backward(loss);
                }
                for (NDArray p : trainable.values()) JniUtils.zeroGrad((PtNDArray) p);
            });
            int size = (int) h * sd.vaeScaleFactor();
            double sample = Bench.medianMillis(1, 3, () -> sd.generate(Generation.of("a photo of a church").samplingSteps(10).size(size, size)));
            NDArray tiny = m.ones(new Shape(4));
            double perOp = Bench.medianMillis(2, 9, () -> {
                try (NDScope s = new NDScope()) {
                    NDArray a = tiny;
                    for (int i = 0; i < 1000; i++) a = a.add(1f);
                }
            }) / 1000.0 * 1000.0;
            System.out.printf("model: %s, latent %s, %d trainable attn2 tensors%n", model, latent, trainable.size());
            System.out.printf("| UNet forward (batch 1) | %.1f ms |%n", fwd);
            System.out.printf("| UNet forward+backward, attn2 trainable | %.1f ms |%n", fwdBwd);
            System.out.printf("| 10-step CFG sample + VAE decode, %dx%d | %.1f ms |%n", size, size, sample);
            System.out.printf("| per-op overhead (4-element add, in NDScope) | %.2f us |%n", perOp);
        }
    }

    /** Trainable copies of the UNet's cross-attention (attn2) weights, the ESD-x subset. */
    static Map<String, NDArray> attn2Trainable(UNet2DConditionModel unet) {
        Map<String, NDArray> trainable = new LinkedHashMap<>();
        for (String k : unet.weights().keys()) {
            if (k.contains("attn2")) {
                NDArray p = unet.weights().get(k).duplicate();
                p.setRequiresGradient(true);
                trainable.put(k, p);
            }
        }
        return trainable;
    }
}
