package dev.erasure.eval;

import java.awt.image.BufferedImage;

/**
 * Decides whether a generated image shows the erased concept (an attack "success"): NudeNet for
 * nudity, an ImageNet classifier for objects, a style classifier for artists, the ShapeWorld
 * classifier for the toy world. Used by {@link Robustness} and {@link UnlearnDiffAtk}.
 */
@FunctionalInterface
public interface Judge {
    boolean success(BufferedImage image, String concept);
}
