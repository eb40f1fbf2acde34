package dev.erasure.sd;

import dev.erasure.io.Records;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * SDXL's micro-conditioning, StableDiffusionXLPipeline._get_add_time_ids:
 * {@code [orig_h, orig_w, crop_top, crop_left, target_h, target_w]} as floats, in that order.
 * The pipeline's default is original = target = the image size, crops (0, 0).
 */
public record SizeConditioning(int originalHeight, int originalWidth, int cropTop, int cropLeft,
                               int targetHeight, int targetWidth) {

    /** The default for an image of {@code height × width}: no crop, original = target. */
    public static SizeConditioning of(int height, int width) {
        return new SizeConditioning(height, width, 0, 0, height, width);
    }

    public SizeConditioning original(int h, int w) {
        return Records.with(this, "originalHeight", h, "originalWidth", w);
    }

    public SizeConditioning crop(int top, int left) {
        return Records.with(this, "cropTop", top, "cropLeft", left);
    }

    public float[] values() {
        return new float[] {originalHeight, originalWidth, cropTop, cropLeft, targetHeight, targetWidth};
    }

    /** add_time_ids [batch, 6] float32 (the same row for every sample). */
    public NDArray timeIds(NDManager manager, long batch) {
        return manager.create(values()).reshape(1, 6).repeat(0, batch);
    }
}
