package dev.erasure.kernel;

import dev.erasure.kernel.display.DisplaySink;
import dev.erasure.kernel.display.Images;
import dev.erasure.kernel.display.Render;
import dev.erasure.kernel.display.RendererRegistry;
import dev.erasure.kernel.display.StandardRenderers;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;

import java.awt.image.RenderedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Helpers statically imported into every cell: {@code display(x)}, {@code updateDisplay(id, x)},
 * {@code html(...)}, {@code markdown(...)}, {@code registerRenderer(...)}. They also work
 * without a kernel (plain JShell, tests): values are printed, images saved to a PNG file.
 */
public final class Notebook {
    private static volatile RendererRegistry renderers = StandardRenderers.registerAll(new RendererRegistry());
    private static volatile DisplaySink sink;

    private Notebook() { }

    /** Called by the kernel at start. */
    static void attach(RendererRegistry registry, DisplaySink displaySink) {
        renderers = registry;
        sink = displaySink;
    }

    /** The renderer registry: add renderers for your own types here. */
    public static RendererRegistry renderers() {
        return renderers;
    }

    public static <T> void registerRenderer(Class<T> type, Render<? super T> render) {
        renderers.register(type, render);
    }

    /** Shows a value below the cell now; returns its display id for {@link #updateDisplay}. */
    public static String display(Object value) {
        String id = "erasure-display-" + UUID.randomUUID();
        DisplayData data = bundle(value);
        data.setDisplayId(id);
        DisplaySink s = sink;
        if (s != null) s.display(data);
        else printWithoutKernel(value);
        return id;
    }

    /** Replaces what display {@code id} shows (e.g. an image that improves step by step). */
    public static void updateDisplay(String id, Object value) {
        DisplayData data = bundle(value);
        data.setDisplayId(id);
        DisplaySink s = sink;
        if (s != null) s.update(data);
        else printWithoutKernel(value);
    }

    public static DisplayData html(String html) {
        DisplayData d = new DisplayData();
        d.putHTML(html);
        d.putText(html);
        return d;
    }

    public static DisplayData markdown(String markdown) {
        DisplayData d = new DisplayData();
        d.putMarkdown(markdown);
        d.putText(markdown);
        return d;
    }

    public static DisplayData svg(String svg) {
        DisplayData d = new DisplayData();
        d.putSVG(svg);
        d.putText("<svg image>");
        return d;
    }

    /** A fresh copy, so setting a display id never changes a bundle the user holds. */
    private static DisplayData bundle(Object value) {
        DisplayData copy = new DisplayData();
        copy.assign(renderers.render(value));
        return copy;
    }

    private static void printWithoutKernel(Object value) {
        if (value instanceof RenderedImage img) {
            try {
                Path file = Files.createTempFile("erasure-", ".png");
                Files.write(file, Images.png(img));
                System.out.println("image saved to " + file);
                return;
            } catch (IOException e) {
                System.out.println(value + " (could not save: " + e + ")");
                return;
            }
        }
        System.out.println(value);
    }
}
