package dev.erasure.sd;

import ai.djl.ndarray.types.DataType;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Map;

/**
 * What an evaluation needs of a text-to-image model, whichever it is ({@link StableDiffusion} for SD 1.x/2.x,
 * {@link StableDiffusionXL}): an image per request, its native size, where it was loaded from, its weights by
 * component (to pin them), and the same model with an erased model's UNet tensors.
 */
public interface Pipeline extends AutoCloseable {
    BufferedImage generate(Generation g);

    /** The native image side in pixels (512 for SD-1.4, 1024 for SDXL base). */
    int defaultImageSize();

    /** The folder or file it was loaded from. */
    String source();

    /** The floating dtype of the UNet's weights. */
    DataType dtype();

    /** The weights of each component by its diffusers folder name (unet, text_encoder, text_encoder_2, vae). */
    Map<String, Weights> components();

    /** The same pipeline with UNet tensors replaced by those of a safetensors file under diffusers names. */
    Pipeline withUnetWeights(Path file);

    /** Frees the weights (shared with every pipeline made from this one by a wither). */
    @Override
    void close();
}
