package dev.erasure.kernel.display;

import dev.erasure.progress.Progress;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The renderers every notebook gets: images and XChart charts as complete PNGs, Tablesaw tables
 * as HTML, progress reports as bars. Later modules add theirs through {@link RendererProvider}
 * or by name (see {@link RendererRegistry#registerByName}).
 */
public final class StandardRenderers {
    /** Also emit SVG for charts (crisper, larger); -Derasure.kernel.chartSvg=true turns it on. */
    public static volatile boolean chartSvg = Boolean.getBoolean("erasure.kernel.chartSvg");

    private StandardRenderers() { }

    public static RendererRegistry registerAll(RendererRegistry r) {
        r.register(RenderedImage.class, (img, out) -> out.putData("image/png", Images.pngBase64(img)));
        r.register(Chart.class, StandardRenderers::chart);
        r.register(Table.class, (t, out) -> {
            out.putHTML(TableHtml.html(t, TableHtml.DEFAULT_MAX_ROWS));
            out.putText(t.printAll().length() < 10_000 ? t.printAll() : t.print(TableHtml.DEFAULT_MAX_ROWS));
        });
        r.register(Progress.class, (p, out) -> {
            out.putHTML(ProgressFormat.html(p));
            out.putText(ProgressFormat.text(p));
        });
        return r;
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void chart(Chart chart, io.github.spencerpark.jupyter.kernel.display.DisplayData out) throws Exception {
        out.putData("image/png", Images.pngBase64(BitmapEncoder.getBufferedImage(chart)));
        if (chartSvg) {
            ByteArrayOutputStream svg = new ByteArrayOutputStream();
            VectorGraphicsEncoder.saveVectorGraphic(chart, svg, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            out.putSVG(svg.toString(StandardCharsets.UTF_8));
        }
        out.putText(chart.getClass().getSimpleName() + " \"" + chart.getTitle() + "\"");
    }
}
