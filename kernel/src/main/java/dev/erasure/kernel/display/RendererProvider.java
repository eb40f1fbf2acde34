package dev.erasure.kernel.display;

/**
 * Extension point: a jar on the kernel's class path lists implementations in
 * {@code META-INF/services/dev.erasure.kernel.display.RendererProvider} to add renderers for its
 * own types without the kernel knowing them.
 */
public interface RendererProvider {
    void register(RendererRegistry registry);
}
