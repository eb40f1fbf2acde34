package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.erasure.eval.PilResize;
import dev.erasure.eval.RgbImage;

import java.util.List;

/**
 * torchvision's ImageNet classification transforms on PIL images ({@code IMAGENET1K_V2}: resize
 * 232, crop 224), bit-exact (shared/fixtures/tiny-resnet README "Preprocessing: exact rules"):
 * PIL's antialiased bilinear on the uint8 image with the short side to {@code resize} (long side
 * truncated; no-op when the size already matches), centre crop with Python's round-half-even
 * offsets, then float32 v/255 (a true division) and (x − mean)/std in float32, RGB channels first.
 */
public record ImageNetPreprocess(int resize, int crop, float[] mean, float[] std) {

    /** {@code ResNet50_Weights.IMAGENET1K_V2.transforms()}. */
    public static final ImageNetPreprocess IMAGENET1K_V2 = new ImageNetPreprocess(232, 224,
            new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

    public ImageNetPreprocess {
        if (resize <= 0 || crop <= 0) throw new IllegalArgumentException("resize and crop must be positive, got " + resize + ", " + crop);
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean and std need 3 values (RGB)");
    }

    public ImageNetPreprocess withResize(int size) {
        return new ImageNetPreprocess(size, crop, mean, std);
    }

    public ImageNetPreprocess withCrop(int size) {
        return new ImageNetPreprocess(resize, size, mean, std);
    }

    /** The short-side resize (PIL bilinear, antialiased). */
    public RgbImage resized(RgbImage img) {
        return PilResize.resizeShortSide(img, resize, PilResize.Filter.BILINEAR);
    }

    /** torchvision center_crop: offsets int(round((H − crop)/2)), half to even; zero padding if smaller. */
    public RgbImage centerCrop(RgbImage img) {
        return img.crop(offset(img.height()), offset(img.width()), crop, crop);
    }

    /** A smaller side is first padded by (crop − side)//2 before, which puts the image at that offset. */
    private int offset(int side) {
        int d = side - crop;
        return d >= 0 ? (int) Math.rint(d / 2.0) : -((-d) / 2);
    }

    /** The normalised batch [N,3,crop,crop] float32. */
    public NDArray pixelValues(NDManager manager, List<RgbImage> images) {
        if (images.isEmpty()) throw new IllegalArgumentException("no images to preprocess");
        int n = images.size();
        int plane = crop * crop;
        float[] out = new float[n * 3 * plane];
        for (int i = 0; i < n; i++) {
            RgbImage img = centerCrop(resized(images.get(i)));
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < crop; y++) {
                    for (int x = 0; x < crop; x++) {
                        float v = img.at(y, x, c) / 255f;
                        out[(i * 3 + c) * plane + y * crop + x] = (v - mean[c]) / std[c];
                    }
                }
            }
        }
        return manager.create(out, new Shape(n, 3, crop, crop));
    }
}
