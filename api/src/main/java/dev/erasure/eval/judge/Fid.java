package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.erasure.eval.RgbImage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * FID between two image folders, the way the papers' code computes it: pool3 features of every
 * image ({@link FidInception}, one of the two {@link FidPreprocess} paths), statistics as
 * {@link FidStatistics} (float32 mean, float64 covariance with ddof 1), then the Fréchet distance.
 */
public final class Fid {
    private static final int BATCH = 32;

    private final FidInception inception;
    private final FidPreprocess preprocess;

    public Fid(FidInception inception, FidPreprocess preprocess) {
        this.inception = inception;
        this.preprocess = preprocess;
    }

    /** Features [N][dims] of image files, decoded as PIL's convert("RGB"), in file order. */
    public float[][] features(List<Path> files) {
        List<RgbImage> images = new ArrayList<>();
        for (Path f : files) images.add(RgbImage.of(ImageFiles.read(f)));
        return featuresOf(images);
    }

    /** Features [N][dims] of images, in batches of up to 32 (every input is 299×299 after preprocessing). */
    public float[][] featuresOf(List<RgbImage> images) {
        float[][] out = new float[images.size()][];
        for (int start = 0; start < images.size(); start += BATCH) {
            int end = Math.min(images.size(), start + BATCH);
            try (NDManager m = inception.manager().newSubManager()) {
                NDList batch = new NDList();
                for (int i = start; i < end; i++) batch.add(preprocess.input(m, images.get(i)));
                NDArray f = inception.features(NDArrays.concat(batch, 0));
                int d = (int) f.getShape().get(1);
                float[] flat = f.toFloatArray();
                for (int i = start; i < end; i++) {
                    out[i] = new float[d];
                    System.arraycopy(flat, (i - start) * d, out[i], 0, d);
                }
            }
        }
        return out;
    }

    /** The statistics of every image in a folder (png, jpg, jpeg, bmp; at least two). */
    public FidStatistics statistics(Path folder) {
        return FidStatistics.of(features(ImageFiles.list(folder)));
    }

    /** FID of a generated folder against a reference folder. */
    public double distance(Path generated, Path reference) {
        return statistics(generated).distance(statistics(reference));
    }
}
