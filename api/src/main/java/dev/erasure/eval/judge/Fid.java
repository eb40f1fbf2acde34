package dev.erasure.eval.judge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.erasure.eval.RgbImage;

import dev.erasure.sd.io.Safetensors;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** Features [N][dims] of image files, decoded as PIL's convert("RGB"), in file order; read one batch at a time. */
    public float[][] features(List<Path> files) {
        float[][] out = new float[files.size()][];
        for (int start = 0; start < files.size(); start += BATCH) {
            List<RgbImage> images = new ArrayList<>();
            for (Path f : files.subList(start, Math.min(files.size(), start + BATCH))) images.add(RgbImage.of(ImageFiles.read(f)));
            float[][] f = featuresOf(images);
            System.arraycopy(f, 0, out, start, f.length);
        }
        return out;
    }

    public FidPreprocess preprocess() {
        return preprocess;
    }

    public FidInception inception() {
        return inception;
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

    /**
     * The reference set's statistics, computed once and cached in {@code cache} (safetensors: mu,
     * sigma, and metadata pinning the preprocessing, the Inception file's SHA-256 and the folder's
     * file names and sizes). A cache whose pins differ is recomputed and replaced.
     */
    public FidStatistics referenceStatistics(Path folder, Path cache) {
        List<Path> files = ImageFiles.list(folder);
        Map<String, String> pins = new LinkedHashMap<>();
        pins.put("what", "Erasure FID reference statistics");
        pins.put("preprocess", preprocess.name());
        pins.put("inception_sha256", JudgeFiles.sha256(inception.file()));
        pins.put("images", Integer.toString(files.size()));
        pins.put("listing_sha256", listing(files));
        if (Files.isRegularFile(cache) && Safetensors.header(cache).metadata().equals(pins)) return FidStatistics.load(cache);
        FidStatistics s = FidStatistics.of(features(files));
        s.save(cache, pins);
        return s;
    }

    /** SHA-256 over "name, size" lines of the files: a changed, added or removed image invalidates the cache. */
    private static String listing(List<Path> files) {
        try {
            StringBuilder lines = new StringBuilder();
            for (Path f : files) lines.append(f.getFileName()).append('\t').append(Files.size(f)).append('\n');
            return JudgeFiles.sha256(new ByteArrayInputStream(lines.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** FID of a generated folder against a reference folder. */
    public double distance(Path generated, Path reference) {
        return statistics(generated).distance(statistics(reference));
    }
}
