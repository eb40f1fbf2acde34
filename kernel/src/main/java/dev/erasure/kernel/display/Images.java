package dev.erasure.kernel.display;

import javax.imageio.ImageIO;
import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * PNG encoding done right: the base library's renderer wraps a Base64 stream and never closes
 * it, losing the last bytes (the IEND chunk's CRC). Encoding to bytes first cannot truncate.
 */
public final class Images {
    private Images() { }

    public static byte[] png(RenderedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes)) throw new IOException("no PNG writer for " + image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static String pngBase64(RenderedImage image) {
        return Base64.getEncoder().encodeToString(png(image));
    }
}
