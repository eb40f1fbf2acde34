package dev.erasure.viz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageGridTest {
    private static final int PAD = 4;

    private static List<BufferedImage> blue(int n) {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) img.setRGB(x, y, Color.BLUE.getRGB());
        return Collections.nCopies(n, img);
    }

    private static ImageGrid grid(int rows, int cols, int cell) {
        String[] heads = new String[cols];
        for (int c = 0; c < cols; c++) heads[c] = "seed " + c;
        ImageGrid g = ImageGrid.columns(heads).cellSize(cell);
        for (int r = 0; r < rows; r++) g = g.row("church", r == 1, blue(cols));
        return g;
    }

    /** Every extra column adds cell + pad to the width, every extra row cell + pad to the height. */
    @Test
    void sizeGrowsByCellPlusPadPerRowAndColumn() {
        BufferedImage base = grid(2, 3, 16).render();
        BufferedImage moreCols = grid(2, 5, 16).render();
        BufferedImage moreRows = grid(4, 3, 16).render();
        BufferedImage bigger = grid(2, 3, 32).render();
        assertEquals(2 * (16 + PAD), moreCols.getWidth() - base.getWidth());
        assertEquals(base.getHeight(), moreCols.getHeight());
        assertEquals(2 * (16 + PAD), moreRows.getHeight() - base.getHeight());
        assertEquals(base.getWidth(), moreRows.getWidth());
        assertEquals(3 * 16, bigger.getWidth() - base.getWidth());
        assertEquals(2 * 16, bigger.getHeight() - base.getHeight());
    }

    /** Only the marked row's label has red pixels, and they lie in that row's band. */
    @Test
    void markedRowLabelIsRed() {
        int rows = 3;
        int cols = 2;
        int cell = 24;
        BufferedImage img = grid(rows, cols, cell).render();
        int labelW = img.getWidth() - cols * (cell + PAD) - PAD;
        int redInMarked = 0;
        int redElsewhere = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < labelW; x++) {
                Color c = new Color(img.getRGB(x, y));
                if (c.getRed() > 150 && c.getGreen() < 60 && c.getBlue() < 60) {
                    int fromBottom = img.getHeight() - PAD - y;
                    int row = rows - 1 - (fromBottom - 1) / (cell + PAD);
                    if (row == 1) redInMarked++;
                    else redElsewhere++;
                }
            }
        }
        assertTrue(redInMarked > 10, "marked label drawn in red, " + redInMarked + " px");
        assertEquals(0, redElsewhere);
    }

    @Test
    void longLabelsAreCutAndSavedPngDecodes(@TempDir Path dir) throws IOException {
        String prompt = "a very long I2P prompt ".repeat(20);
        BufferedImage cut = ImageGrid.columns("a").row(prompt, blue(1)).render();
        BufferedImage same = ImageGrid.columns("a")
                .row(prompt.substring(0, ImageGrid.MAX_LABEL_CHARS - 1) + "…", blue(1)).render();
        assertEquals(same.getWidth(), cut.getWidth());
        assertFalse(cut.getWidth() > 600, "width " + cut.getWidth());
        Path png = grid(2, 2, 16).title("ESD").save(dir.resolve("grid.png"));
        assertNotNull(ImageIO.read(png.toFile()));
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.columns("a", "b").row("x", blue(1)));
    }
}
