package dev.erasure.viz;

import dev.erasure.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** PNG files written atomically, so a crash or an interrupt never leaves a half-written image behind. */
public final class Png {
    private Png() {
    }

    /** Writes {@code image} through {@link AtomicFiles}: the old {@code png} stays whole until the new one is. */
    public static Path write(BufferedImage image, Path png) {
        try {
            AtomicFiles.write(png, out -> {
                if (!ImageIO.write(image, "png", out)) throw new IOException("no PNG writer");
            });
            return png;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
    }
}
