package dev.erasure.kernel.exec;

import jdk.jshell.execution.DirectExecutionControl;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs snippets in the kernel's own JVM (so renderers see the real objects, not their
 * {@code toString}) and keeps each result object under a key that JShell reports as the
 * snippet's value. The kernel takes the object back with {@link #takeResult}.
 */
final class KernelExecutionControl extends DirectExecutionControl {
    private static final String KEY_PREFIX = "\u0000erasure-result-";

    private final Map<String, Object> results = new ConcurrentHashMap<>();
    private final AtomicLong next = new AtomicLong();
    private final ExecutionThread executor;

    KernelExecutionControl(ExecutionThread executor) {
        this.executor = executor;
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        executor.enterUserCode();
        Object value;
        try {
            value = doitMethod.invoke(null);
        } finally {
            executor.exitUserCode();
        }
        if (value == null) return valueString(null);
        String key = KEY_PREFIX + next.incrementAndGet();
        results.put(key, value);
        return key;
    }

    /** The object stored under a snippet value key; null for plain strings or unknown keys. */
    Object takeResult(String key) {
        if (key == null || !key.startsWith(KEY_PREFIX)) return null;
        return results.remove(key);
    }

    void clearResults() {
        results.clear();
    }
}
