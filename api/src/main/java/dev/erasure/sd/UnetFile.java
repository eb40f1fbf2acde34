package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.io.Safetensors;
import dev.erasure.sd.io.WeightException;

import java.nio.file.Path;
import java.util.Map;

/** An erased model's UNet tensors read onto a base UNet ({@link Pipeline#withUnetWeights}), for SD and SDXL alike. */
final class UnetFile {
    private UnetFile() {
    }

    /**
     * {@code base} with the tensors of {@code file} (diffusers names, as {@code ErasureResult.save} writes them,
     * or a whole UNet) in place of its own; a key the UNet lacks or a tensor of another shape is refused naming
     * the file and the key.
     */
    static Weights overlay(Path file, Weights base, NDManager manager, DataType dtype) {
        Map<String, NDArray> tensors = Safetensors.load(file, manager, k -> true, dtype);
        if (tensors.isEmpty()) throw new WeightException(file + " holds no tensors");
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            if (!base.has(e.getKey())) {
                throw new WeightException(file + ": '" + e.getKey() + "' is not a weight of this UNet (" + base.source()
                        + "); expected diffusers UNet names, as ErasureResult.save writes them");
            }
            Shape expected = base.get(e.getKey()).getShape();
            if (!expected.equals(e.getValue().getShape())) {
                throw new WeightException(file + ": '" + e.getKey() + "' has shape " + e.getValue().getShape()
                        + ", this UNet's is " + expected + " (erased from another model?)");
            }
        }
        return base.overlay(tensors);
    }
}
