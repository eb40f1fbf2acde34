package dev.erasure.sd;

import dev.erasure.io.Records;
import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

import java.nio.file.Path;

/**
 * How to load a model: device (CPU/GPU), floating dtype (FLOAT32 or FLOAT16; BF16 checkpoints
 * are widened on load because DJL aborts on BF16), and for single files an optional LDM yaml.
 * Immutable; {@code LoadOptions.defaults().device("gpu").dtype(DataType.FLOAT16)}.
 */
public record LoadOptions(Device device, DataType dtype, Path originalConfig, Integer textHeads) {
    public LoadOptions {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("dtype must be FLOAT32 or FLOAT16, got " + dtype
                    + " (BF16 is converted to FLOAT32 on load: DJL cannot run BF16)");
        }
    }

    /** CPU (or the GPU when one is visible), float32. */
    public static LoadOptions defaults() {
        return new LoadOptions(Djl.defaultDevice(), DataType.FLOAT32, null, null);
    }

    public LoadOptions device(Device d) {
        return Records.with(this, "device", d);
    }

    /** "cpu", "gpu", "gpu:1" or "auto". */
    public LoadOptions device(String d) {
        return device(Djl.device(d));
    }

    public LoadOptions dtype(DataType t) {
        return Records.with(this, "dtype", t);
    }

    /** The LDM inference yaml for a single-file checkpoint (default: the one beside it, else SD-1's). */
    public LoadOptions originalConfig(Path yaml) {
        return Records.with(this, "originalConfig", yaml);
    }

    /**
     * CLIP attention heads for a single-file checkpoint whose text encoder is not 64-wide per head
     * (a single file does not record it; OpenAI CLIP's hidden/64 is the default).
     */
    public LoadOptions textHeads(int heads) {
        if (heads <= 0) throw new IllegalArgumentException("textHeads must be > 0, got " + heads);
        return Records.with(this, "textHeads", heads);
    }
}
