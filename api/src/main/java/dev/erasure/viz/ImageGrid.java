package dev.erasure.viz;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A labelled grid of images: rows are prompts (a row can be marked, e.g. as erased, and is drawn
 * with a red label), columns are seeds or models. Small images are enlarged with nearest-neighbour
 * so 32-pixel samples stay readable. Immutable; add rows with {@link #row}.
 */
public final class ImageGrid {
    private final String title;
    private final List<String> columns;
    private final List<Row> rows;
    private final int cell;

    private record Row(String label, boolean marked, List<BufferedImage> images) {
    }

    private ImageGrid(String title, List<String> columns, List<Row> rows, int cell) {
        this.title = title;
        this.columns = columns;
        this.rows = rows;
        this.cell = cell;
    }

    /** A grid with these column headings (seeds, models, ...). */
    public static ImageGrid columns(String... headings) {
        return new ImageGrid("", List.of(headings), List.of(), 128);
    }

    public ImageGrid title(String t) {
        return new ImageGrid(t, columns, rows, cell);
    }

    /** Displayed size of each image in pixels. */
    public ImageGrid cellSize(int px) {
        if (px < 8) throw new IllegalArgumentException("cell size must be ≥ 8 px, got " + px);
        return new ImageGrid(title, columns, rows, px);
    }

    /** Adds a row; {@code marked} rows (e.g. erased concepts) get a red label, as in the papers' figures. */
    public ImageGrid row(String label, boolean marked, List<BufferedImage> images) {
        if (images.size() != columns.size()) {
            throw new IllegalArgumentException("row '" + label + "' has " + images.size() + " images but the grid has "
                    + columns.size() + " columns");
        }
        List<Row> r = new ArrayList<>(rows);
        r.add(new Row(label, marked, List.copyOf(images)));
        return new ImageGrid(title, columns, Collections.unmodifiableList(r), cell);
    }

    public ImageGrid row(String label, List<BufferedImage> images) {
        return row(label, false, images);
    }

    public int rowCount() {
        return rows.size();
    }

    public int columnCount() {
        return columns.size();
    }

    /** Renders the grid. */
    public BufferedImage render() {
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        FontMetrics fm = probe.getGraphics().getFontMetrics(font);
        int labelW = 8 + rows.stream().mapToInt(r -> fm.stringWidth(r.label)).max().orElse(0);
        int pad = 4;
        int titleH = title.isEmpty() ? 0 : fm.getHeight() + pad;
        int headH = fm.getHeight() + pad;
        int w = labelW + columns.size() * (cell + pad) + pad;
        int h = titleH + headH + rows.size() * (cell + pad) + pad;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setFont(font);
        g.setColor(Color.BLACK);
        if (!title.isEmpty()) g.drawString(title, pad, fm.getAscent() + 2);
        for (int c = 0; c < columns.size(); c++) {
            g.drawString(columns.get(c), labelW + c * (cell + pad) + pad, titleH + fm.getAscent());
        }
        for (int r = 0; r < rows.size(); r++) {
            Row row = rows.get(r);
            int y = titleH + headH + r * (cell + pad);
            g.setColor(row.marked ? new Color(200, 0, 0) : Color.BLACK);
            g.drawString(row.label, pad, y + cell / 2 + fm.getAscent() / 2);
            for (int c = 0; c < row.images.size(); c++) {
                g.drawImage(row.images.get(c), labelW + c * (cell + pad) + pad, y, cell, cell, null);
            }
        }
        g.dispose();
        return out;
    }

    /** Writes the grid as PNG (atomically: temp file, then move). */
    public Path save(Path png) {
        try {
            Path dir = png.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".grid", ".png");
            ImageIO.write(render(), "png", tmp.toFile());
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return png;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
    }
}
