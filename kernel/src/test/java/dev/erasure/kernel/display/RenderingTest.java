package dev.erasure.kernel.display;

import dev.erasure.progress.Progress;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

class RenderingTest {
    @Test
    void pngIsCompleteForManySizes() {
        for (int size : new int[]{1, 3, 7, 10, 33, 64, 100, 257}) {
            byte[] png = Images.png(new BufferedImage(size, size + 1, BufferedImage.TYPE_INT_ARGB));
            byte[] iend = Arrays.copyOfRange(png, png.length - 12, png.length - 4);
            assertArrayEquals(new byte[]{0, 0, 0, 0, 'I', 'E', 'N', 'D'}, iend, "size " + size);
        }
    }

    @Test
    void tableHtmlIsCut() {
        Table t = Table.create("t", IntColumn.create("i", IntStream.range(0, 1000).toArray()));
        String html = TableHtml.html(t, 10);
        assertEquals(1 + 10 + 1, html.split("<tr>", -1).length - 1);
        assertTrue(html.contains("1000 rows × 1 columns"));
        assertTrue(html.contains("<td>999</td>"));
    }

    record Result(double loss) {
        public String toHtml() { return "<i>loss " + loss + "</i>"; }
    }

    @Test
    void registryPicksMostSpecificAndConventions() {
        RendererRegistry r = StandardRenderers.registerAll(new RendererRegistry());
        r.register(Object.class, (o, out) -> out.putHTML("generic"));
        r.register(CharSequence.class, (o, out) -> out.putHTML("chars"));
        assertEquals("chars", r.render("x").getData(MIMEType.TEXT_HTML));
        assertNotNull(r.render(new BufferedImage(2, 2, 1)).getData(MIMEType.IMAGE_PNG));
        RendererRegistry plain = new RendererRegistry();
        assertEquals("<i>loss 0.5</i>", plain.render(new Result(0.5)).getData(MIMEType.TEXT_HTML));
    }

    @Test
    void progressBarsThrottleButShowTheEnd() {
        List<String> sent = new ArrayList<>();
        AtomicLong clock = new AtomicLong();
        ProgressBars bars = recording(sent, clock);
        for (int i = 0; i <= 100; i++) {
            clock.set(i * 10_000_000L);  // 10 ms per step
            bars.onProgress(new Progress("erase", i, 100, i * 10_000_000L, Map.of("loss", 1.0 / (i + 1)), ""));
        }
        assertTrue(sent.get(0).startsWith("display erase"));
        assertTrue(sent.size() < 10, sent.size() + " messages for 1 s of progress");
        assertTrue(sent.get(sent.size() - 1).contains("100/100"));
        assertTrue(sent.get(sent.size() - 1).contains("loss=0.0099"));
    }

    @Test
    void aTaskThatRunsAgainReusesItsBar() {
        List<String> sent = new ArrayList<>();
        AtomicLong clock = new AtomicLong();
        ProgressBars bars = recording(sent, clock);
        for (int run = 0; run < 3; run++) {
            for (int i = 0; i <= 4; i++) {
                clock.addAndGet(1_000_000_000L);
                bars.onProgress(new Progress("sample", i, 4, 0, Map.of(), ""));
            }
        }
        assertEquals(1, sent.stream().filter(m -> m.startsWith("display")).count(), "one bar for three runs: " + sent);
        assertTrue(sent.get(sent.size() - 1).contains("run 3"), sent.get(sent.size() - 1));
        assertTrue(sent.get(sent.size() - 1).contains("4/4"), sent.get(sent.size() - 1));
    }

    /** Bars that record each message as "display …" or "update …" with its plain text, on a test clock. */
    private static ProgressBars recording(List<String> sent, AtomicLong clock) {
        return new ProgressBars(new DisplaySink() {
            public void display(DisplayData d) { sent.add("display " + d.getData(MIMEType.TEXT_PLAIN)); }
            public void update(DisplayData d) { sent.add("update " + d.getData(MIMEType.TEXT_PLAIN)); }
        }, clock::get);
    }
}
