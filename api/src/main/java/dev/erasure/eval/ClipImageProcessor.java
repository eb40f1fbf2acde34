package dev.erasure.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.erasure.sd.ConfigJson;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' CLIPImageProcessor (4.37) for 8-bit RGB input: resize the shortest edge (the long
 * side truncated, not rounded) with Pillow's bicubic filter, center crop with floor offsets (zero
 * padding if the image is smaller), rescale by 1/255 (product in float64, stored as float32), then
 * (x − mean)/std in float32. Output [N,3,H,W] channels-first RGB. Float images in [0,1] are not
 * accepted: HF would silently rescale them twice.
 */
public final class ClipImageProcessor {
    private static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    private static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    private final boolean doResize;
    private final int shortestEdge;
    private final boolean doCenterCrop;
    private final int cropHeight;
    private final int cropWidth;
    private final boolean doRescale;
    private final double rescaleFactor;
    private final boolean doNormalize;
    private final float[] mean;
    private final float[] std;

    public ClipImageProcessor(int shortestEdge, int cropHeight, int cropWidth) {
        this(true, shortestEdge, true, cropHeight, cropWidth, true, 1 / 255.0, true, CLIP_MEAN, CLIP_STD);
    }

    private ClipImageProcessor(boolean doResize, int shortestEdge, boolean doCenterCrop, int cropHeight, int cropWidth,
                               boolean doRescale, double rescaleFactor, boolean doNormalize, double[] mean, double[] std) {
        if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("image_mean and image_std need 3 values");
        this.doResize = doResize;
        this.shortestEdge = shortestEdge;
        this.doCenterCrop = doCenterCrop;
        this.cropHeight = cropHeight;
        this.cropWidth = cropWidth;
        this.doRescale = doRescale;
        this.rescaleFactor = rescaleFactor;
        this.doNormalize = doNormalize;
        this.mean = new float[3];
        this.std = new float[3];
        for (int c = 0; c < 3; c++) {
            this.mean[c] = (float) mean[c];
            this.std[c] = (float) std[c];
        }
    }

    /** Reads a preprocessor_config.json; only bicubic (resample 3) is implemented. */
    public static ClipImageProcessor fromFile(Path file) {
        try {
            return fromJson(JsonParser.parseString(Files.readString(file)).getAsJsonObject(), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read image processor config " + file, e);
        } catch (IllegalStateException | JsonParseException e) {
            throw new IllegalArgumentException(file + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    public static ClipImageProcessor fromJson(JsonObject o, String source) {
        ConfigJson j = new ConfigJson(o, "image processor config " + source);
        int resample = j.integer("resample", 3);
        if (resample != 3) throw j.unsupported("resample", resample);
        int shortest = sizeField(o, "size", "shortest_edge", 224, source);
        int cropH = sizeField(o, "crop_size", "height", 224, source);
        int cropW = sizeField(o, "crop_size", "width", cropH, source);
        return new ClipImageProcessor(j.bool("do_resize", true), shortest, j.bool("do_center_crop", true), cropH, cropW,
                j.bool("do_rescale", true), j.number("rescale_factor", 1 / 255.0), j.bool("do_normalize", true),
                doubles(o, "image_mean", CLIP_MEAN, source), doubles(o, "image_std", CLIP_STD, source));
    }

    /** {@code size: {shortest_edge: n}} or the legacy bare integer. */
    private static int sizeField(JsonObject o, String key, String field, int dflt, String source) {
        if (!o.has(key) || o.get(key).isJsonNull()) return dflt;
        JsonElement e = o.get(key);
        if (e.isJsonPrimitive()) return e.getAsInt();
        if (e.isJsonObject() && e.getAsJsonObject().has(field)) return e.getAsJsonObject().get(field).getAsInt();
        throw new IllegalArgumentException(source + ": '" + key + "' = " + e + " has no '" + field + "'");
    }

    private static double[] doubles(JsonObject o, String key, double[] dflt, String source) {
        if (!o.has(key) || o.get(key).isJsonNull()) return dflt;
        if (!o.get(key).isJsonArray() || o.getAsJsonArray(key).size() != 3) {
            throw new IllegalArgumentException(source + ": '" + key + "' must be a list of 3 numbers, got " + o.get(key));
        }
        double[] out = new double[3];
        for (int i = 0; i < 3; i++) out[i] = o.getAsJsonArray(key).get(i).getAsDouble();
        return out;
    }

    /** HF's shortest-edge size: short side → n, long side → int(n·long/short) (truncated). */
    public int[] resizedSize(int height, int width) {
        int shortSide = Math.min(height, width);
        int longSide = Math.max(height, width);
        int newLong = (int) ((double) shortestEdge * longSide / shortSide);
        return height <= width ? new int[] {shortestEdge, newLong} : new int[] {newLong, shortestEdge};
    }

    public RgbImage resize(RgbImage img) {
        int[] hw = resizedSize(img.height(), img.width());
        return PilResize.resize(img, hw[0], hw[1]);
    }

    /** Center crop with offsets floor((H−h)/2), floor((W−w)/2); outside the image reads 0 (HF pads). */
    public RgbImage centerCrop(RgbImage img) {
        return img.crop(Math.floorDiv(img.height() - cropHeight, 2), Math.floorDiv(img.width() - cropWidth, 2), cropHeight, cropWidth);
    }

    /** Resize and crop as configured: the uint8 image that gets normalised. */
    public RgbImage resizeAndCrop(RgbImage img) {
        RgbImage r = doResize ? resize(img) : img;
        return doCenterCrop ? centerCrop(r) : r;
    }

    /** pixel_values [N,3,H,W] float32 for a batch (all must end up the same size). */
    public NDArray preprocess(NDManager manager, List<RgbImage> images) {
        if (images.isEmpty()) throw new IllegalArgumentException("no images to preprocess");
        List<RgbImage> ready = new ArrayList<>();
        for (RgbImage img : images) ready.add(resizeAndCrop(img));
        int h = ready.get(0).height();
        int w = ready.get(0).width();
        float[] out = new float[ready.size() * 3 * h * w];
        for (int n = 0; n < ready.size(); n++) {
            RgbImage img = ready.get(n);
            if (img.height() != h || img.width() != w) {
                throw new IllegalArgumentException("image " + n + " is " + img.height() + "x" + img.width()
                        + " after resize/crop but image 0 is " + h + "x" + w + "; enable center crop to batch them");
            }
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        out[((n * 3 + c) * h + y) * w + x] = normalise(img.at(y, x, c), c);
                    }
                }
            }
        }
        return manager.create(out, new Shape(ready.size(), 3, h, w));
    }

    public NDArray preprocessImages(NDManager manager, List<BufferedImage> images) {
        List<RgbImage> rgb = new ArrayList<>();
        for (BufferedImage b : images) rgb.add(RgbImage.of(b));
        return preprocess(manager, rgb);
    }

    /** float32(v · factor) with the product in float64 (numpy uint8 × Python float), then float32 (x − mean)/std. */
    private float normalise(int v, int channel) {
        float x = doRescale ? (float) (v * rescaleFactor) : v;
        return doNormalize ? (x - mean[channel]) / std[channel] : x;
    }

    public int cropHeight() {
        return cropHeight;
    }

    public int cropWidth() {
        return cropWidth;
    }
}
