package dev.erasure.viz;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** PNG files written atomically, so a crash or an interrupt never leaves a half-written image behind. */
public final class Png {
    private Png() {
    }

    /** Writes {@code image} to a temp file next to {@code png}, then moves it into place. */
    public static Path write(BufferedImage image, Path png) {
        try {
            Path dir = png.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".part", ".png");
            try {
                if (!ImageIO.write(image, "png", tmp.toFile())) throw new IOException("no PNG writer");
                Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return png;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
    }
}
