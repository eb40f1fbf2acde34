package dev.erasure.kernel.display;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * Renders types the kernel has never heard of by convention, so the API can make its result
 * types notebook-friendly without depending on the kernel: a public no-argument
 * {@code toHtml()} (String), {@code toImage()} (an image), {@code toChart()} (an XChart chart)
 * or {@code toTable()} (a Tablesaw table) is called and its result rendered.
 */
final class ConventionRenderer {
    private static final String[] METHODS = {"toHtml", "toChart", "toImage", "toTable"};

    private ConventionRenderer() { }

    static void render(Object value, RendererRegistry registry, DisplayData out) throws Exception {
        for (String name : METHODS) {
            Method m = publicNoArg(value.getClass(), name);
            if (m == null) continue;
            Object converted = m.invoke(value);
            if (converted == null || converted == value) continue;
            if (name.equals("toHtml")) {
                out.putHTML(converted.toString());
            } else {
                DisplayData inner = registry.render(converted);
                out.assign(inner);
            }
            out.putText(String.valueOf(value));
            return;
        }
    }

    private static Method publicNoArg(Class<?> type, String name) {
        try {
            Method m = type.getMethod(name);
            if (!Modifier.isPublic(m.getDeclaringClass().getModifiers())) m.setAccessible(true);
            return m;
        } catch (NoSuchMethodException | RuntimeException e) {
            return null;
        }
    }
}
