package dev.erasure.eval.paper;

import ai.djl.ndarray.NDArray;
import dev.erasure.sd.StableDiffusion;
import dev.erasure.sd.Weights;
import dev.erasure.sd.io.Safetensors;

import java.nio.file.Path;
import java.util.Map;

/** A stand-in for an erased model: the tiny UNet with its cross-attention keys halved, saved and read back as a user's file. */
final class PaperFixtures {
    private PaperFixtures() {
    }

    static StableDiffusion halvedKeys(StableDiffusion sd, Path file) {
        Weights w = sd.unet().weights();
        String key = w.keys().stream().filter(k -> k.contains("attn2.to_k")).findFirst().orElseThrow();
        NDArray halved = w.get(key).mul(0.5f);
        Safetensors.save(file, Map.of(key, halved), Map.of("format", "pt"));
        halved.close();
        return sd.withUnetWeights(file); // shares sd's manager: closed with it
    }
}
