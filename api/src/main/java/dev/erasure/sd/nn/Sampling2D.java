package dev.erasure.sd.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.Weights;

/** diffusers Downsample2D and Upsample2D with use_conv=True (the only form SD uses). */
public final class Sampling2D {
    private Sampling2D() {
    }

    /**
     * Downsample2D: 3×3 conv with stride 2. With padding 0 (the VAE) diffusers first pads only the
     * right and bottom edge by one zero, which is not the same as a symmetric padding of 1.
     * @param w the downsampler's view (holding {@code conv.weight})
     */
    public static NDArray downsample(Weights w, NDArray x, int padding) {
        if (padding == 0) {
            // torch F.pad order: (left, right, top, bottom) for the last two dims
            x = x.pad(new Shape(0, 1, 0, 1), 0);
        }
        return Nn.conv2d(w.sub("conv"), x, 2, padding);
    }

    /**
     * Upsample2D: nearest-neighbour resize, then 3×3 conv (pad 1).
     * @param size target [H,W]; null for exactly 2× (diffusers passes a size only when the input
     *             resolution is not a multiple of the UNet's total downsampling factor)
     */
    public static NDArray upsample(Weights w, NDArray x, long[] size) {
        NDArray up = size == null ? Nn.upsampleNearest2x(x) : x.getNDArrayInternal().interpolation(size, 0, false);
        return Nn.conv2d(w.sub("conv"), up, 1, 1);
    }
}
