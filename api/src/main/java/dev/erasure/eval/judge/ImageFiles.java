package dev.erasure.eval.judge;

import javax.imageio.ImageIO;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reading image files the way the judges' reference code does. Both cv2.imread(IMREAD_COLOR) and
 * PIL's convert("RGB") give 8-bit RGB with alpha dropped (not composited), grey replicated to
 * three channels and palettes looked up, with no gamma: so grey pixels are read from the raster,
 * because BufferedImage.getRGB would convert a grey colour space to sRGB.
 */
public final class ImageFiles {
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp");

    private ImageFiles() {
    }

    /** Decodes an image file; an unreadable or non-image file is an error naming it. */
    public static BufferedImage read(Path file) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("image file not found: " + file);
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot decode image " + file + ": " + e.getMessage(), e);
        }
        if (img == null) throw new IllegalArgumentException("not an image format Java can read: " + file);
        return img;
    }

    /** 8-bit RGB, channels last ([H·W·3], row-major), of a decoded image (rules above). */
    public static byte[] rgb(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        byte[] out = new byte[3 * h * w];
        Raster r = img.getRaster();
        boolean grey = !(img.getColorModel() instanceof IndexColorModel)
                && img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        int bits = img.getColorModel().getComponentSize(0);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                if (grey) {
                    byte v = (byte) to8(r.getSample(x, y, 0), bits);
                    out[i] = v;
                    out[i + 1] = v;
                    out[i + 2] = v;
                } else {
                    int p = img.getRGB(x, y);
                    out[i] = (byte) (p >> 16);
                    out[i + 1] = (byte) (p >> 8);
                    out[i + 2] = (byte) p;
                }
            }
        }
        return out;
    }

    /** 16-bit grey to 8 bits as OpenCV's imread does (value/257 rounded ≈ high byte). */
    private static int to8(int v, int bits) {
        return bits <= 8 ? v : Math.min(255, (int) Math.round(v / 257.0));
    }

    /** The image files of a folder (png, jpg, jpeg, bmp), sorted by name; none is an error naming the folder. */
    public static List<Path> list(Path folder) {
        if (!Files.isDirectory(folder)) throw new IllegalArgumentException("image folder not found: " + folder);
        try (Stream<Path> s = Files.list(folder)) {
            List<Path> files = s.filter(Files::isRegularFile).filter(ImageFiles::isImageName).sorted().toList();
            if (files.isEmpty()) throw new IllegalArgumentException("no image files (png, jpg, bmp) in " + folder);
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + folder, e);
        }
    }

    private static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }
}
