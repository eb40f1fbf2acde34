package dev.erasure.kernel.display;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Maps Java values to Jupyter MIME bundles. Open: register by class, or by class name for types
 * that may not be on the class path yet (API result types added by later modules, jars added
 * with {@code %classpath}). The most specific matching registration wins; among equals, the
 * latest. Values with no renderer fall back to {@link ConventionRenderer} and then to text.
 */
public final class RendererRegistry {
    private record Entry(Class<?> type, String typeName, Render<Object> render) {
        boolean matches(Object value) {
            if (type != null) return type.isInstance(value);
            return hasSupertypeNamed(value.getClass(), typeName);
        }
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    @SuppressWarnings("unchecked")
    public <T> RendererRegistry register(Class<T> type, Render<? super T> render) {
        entries.add(new Entry(type, type.getName(), (Render<Object>) render));
        return this;
    }

    /** Registers by fully qualified name; matches subclasses and implementations too. */
    public RendererRegistry registerByName(String className, Render<Object> render) {
        entries.add(new Entry(null, className, render));
        return this;
    }

    /** Loads {@link RendererProvider}s from the class path (ServiceLoader). */
    public RendererRegistry loadProviders(ClassLoader loader) {
        for (RendererProvider p : ServiceLoader.load(RendererProvider.class, loader)) p.register(this);
        return this;
    }

    /** The full MIME bundle for {@code value}; always has text/plain. */
    public DisplayData render(Object value) {
        if (value instanceof DisplayData data) return data;
        DisplayData out = new DisplayData();
        if (value == null) {
            out.putText("null");
            return out;
        }
        Entry best = null;
        for (Entry e : entries) {
            if (e.matches(value) && (best == null || !isStrictlyMoreGeneral(e, best, value))) best = e;
        }
        try {
            if (best != null) best.render.render(value, out);
            else ConventionRenderer.render(value, this, out);
        } catch (Exception | LinkageError e) {
            out.putData("text/plain", String.valueOf(value) + "\n(renderer failed: " + e + ")");
        }
        if (!out.hasDataForType(io.github.spencerpark.jupyter.kernel.display.mime.MIMEType.TEXT_PLAIN)) {
            out.putText(String.valueOf(value));
        }
        return out;
    }

    /** True when {@code candidate} is a supertype of {@code current}'s type (so less specific). */
    private static boolean isStrictlyMoreGeneral(Entry candidate, Entry current, Object value) {
        Class<?> a = resolve(candidate, value);
        Class<?> b = resolve(current, value);
        return a != null && b != null && a != b && a.isAssignableFrom(b);
    }

    private static Class<?> resolve(Entry e, Object value) {
        if (e.type != null) return e.type;
        for (Class<?> c : supertypes(value.getClass())) if (c.getName().equals(e.typeName)) return c;
        return null;
    }

    static boolean hasSupertypeNamed(Class<?> type, String name) {
        for (Class<?> c : supertypes(type)) if (c.getName().equals(name)) return true;
        return false;
    }

    private static List<Class<?>> supertypes(Class<?> type) {
        List<Class<?>> all = new ArrayList<>();
        collect(type, all);
        return all;
    }

    private static void collect(Class<?> c, List<Class<?>> all) {
        if (c == null || all.contains(c)) return;
        all.add(c);
        collect(c.getSuperclass(), all);
        for (Class<?> i : c.getInterfaces()) collect(i, all);
    }
}
