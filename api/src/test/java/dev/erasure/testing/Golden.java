package dev.erasure.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.erasure.sd.io.Safetensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * golden.json + golden.safetensors of a fixture folder. Tests iterate {@link #entries()} and
 * compare with {@link #assertClose}, which names the tolerance it used.
 */
public final class Golden implements AutoCloseable {
    private final Path folder;
    private final JsonObject json;
    private final NDManager manager;
    private final Map<String, NDArray> tensors;

    public Golden(Path folder) {
        this.folder = folder;
        try {
            this.json = JsonParser.parseString(Files.readString(folder.resolve("golden.json"))).getAsJsonObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + folder.resolve("golden.json"), e);
        }
        this.manager = NDManager.newBaseManager();
        this.tensors = Safetensors.load(folder.resolve("golden.safetensors"), manager);
    }

    public Path folder() {
        return folder;
    }

    public JsonObject json() {
        return json;
    }

    /** golden.json → entries: name → {shape, dtype, description, max_abs, ...}. */
    public Map<String, JsonObject> entries() {
        Map<String, JsonObject> out = new LinkedHashMap<>();
        json.getAsJsonObject("entries").entrySet().forEach(e -> out.put(e.getKey(), e.getValue().getAsJsonObject()));
        return out;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public NDArray tensor(String name) {
        NDArray a = tensors.get(name);
        if (a == null) throw new IllegalArgumentException("golden tensor '" + name + "' not in " + folder);
        return a;
    }

    public NDManager manager() {
        return manager;
    }

    /**
     * The absolute tolerance for a golden entry, from the fixture README's table: text encoder
     * and UNet 1e-5, VAE 5e-5, DDIM 1e-5, end-to-end latents 2e-4 and image 1e-4, gradients
     * max(1e-6, 1e-4 · max_abs). Anything else: 1e-5.
     */
    public double tolerance(String name) {
        if (name.startsWith("vae.")) return 5e-5;
        // every end-to-end run (e2e, e2e_eps, e2e_euler, ...): the README tables' e2e rows
        if (name.matches("e2e[^.]*\\.(latents|final_latent).*")) return 2e-4;
        if (name.matches("e2e[^.]*\\.(decoded|image).*")) return 1e-4;
        if (name.startsWith("grad.dL")) {
            double maxAbs = entries().get(name).has("max_abs") ? entries().get(name).get("max_abs").getAsDouble() : 0;
            return Math.max(1e-6, 1e-4 * maxAbs);
        }
        return 1e-5;
    }

    /** Max |actual − golden| over all elements, in float64. */
    public static double maxAbsDiff(NDArray actual, NDArray expected) {
        NDArray a = actual.toType(DataType.FLOAT64, false);
        NDArray e = expected.toType(DataType.FLOAT64, false);
        double d = a.sub(e).abs().max().getDouble();
        a.close();
        e.close();
        return d;
    }

    /** Asserts shape equality and max abs diff ≤ {@link #tolerance(String)}; the message names both. */
    public void assertClose(String name, NDArray actual) {
        assertClose(name, actual, tolerance(name));
    }

    public void assertClose(String name, NDArray actual, double tol) {
        NDArray expected = tensor(name);
        if (!actual.getShape().equals(expected.getShape())) {
            throw new AssertionError(name + ": shape " + actual.getShape() + " != golden " + expected.getShape());
        }
        double d = maxAbsDiff(actual, expected);
        if (!(d <= tol)) {
            throw new AssertionError(name + ": max abs diff " + d + " exceeds tolerance " + tol);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
