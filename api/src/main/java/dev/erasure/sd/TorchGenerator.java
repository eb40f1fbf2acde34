package dev.erasure.sd;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * The papers' seeds: {@code torch.manual_seed(seed); torch.randn(shape)} (float32, CPU generator),
 * which ESD's and EAP's generate-images.py and diffusers' randn_tensor use before moving the latent
 * to the GPU. Drawn by re-seeding libtorch's default CPU generator through DJL and sampling on a CPU
 * manager; shared/fixtures/torch-rng shows this bit-exact with torch 1.13–2.5 on x86-64 with AVX2
 * (the vectorised Box–Muller kernel; CPUs without AVX2 differ by a few ulp). Facts that follow:
 * only the low 32 bits of the seed count (torch seeds its mt19937 with seed &amp; 0xffffffff), a
 * batch is one stream (sample i of randn((n,4,h,w)) is a slice, not a re-seeded draw), and the
 * CUDA generator gives unrelated numbers, so a GPU model still draws here.
 *
 * <p>libtorch has one global CPU generator: concurrent draws from several threads would interleave,
 * so draws are serialised on this class.
 */
public final class TorchGenerator {
    private TorchGenerator() {
    }

    /** {@code torch.manual_seed(seed); torch.randn(shape)} as float32 values in row-major order. */
    public static float[] randn(long seed, Shape shape) {
        return randnSequence(seed, shape).get(0);
    }

    /**
     * {@code torch.manual_seed(seed)} then one {@code torch.randn} per shape, consecutively on the
     * same generator (later draws continue the stream, including the scalar path's cached normal).
     */
    public static synchronized List<float[]> randnSequence(long seed, Shape... shapes) {
        if (shapes.length == 0) throw new IllegalArgumentException("no shapes to draw");
        // (int) keeps the low 32 bits, which is all torch's mt19937 seed uses
        Engine.getEngine("PyTorch").setRandomSeed((int) seed);
        List<float[]> out = new ArrayList<>(shapes.length);
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (Shape s : shapes) out.add(cpu.randomNormal(s, DataType.FLOAT32).toFloatArray());
        }
        return out;
    }

    /**
     * Sample {@code index} of {@code torch.manual_seed(seed); torch.randn((count, *sampleShape))}: a batch is
     * one stream, so sample i is the i-th slice of a single draw, not a draw of its own (torch-rng README).
     */
    public static float[] randnSample(long seed, Shape sampleShape, int count, int index) {
        if (index < 0 || index >= count) throw new IllegalArgumentException("sample " + index + " of " + count);
        long[] dims = new long[sampleShape.dimension() + 1];
        dims[0] = count;
        System.arraycopy(sampleShape.getShape(), 0, dims, 1, sampleShape.dimension());
        float[] all = randn(seed, new Shape(dims));
        int size = Math.toIntExact(sampleShape.size());
        float[] out = new float[size];
        System.arraycopy(all, index * size, out, 0, size);
        return out;
    }

    /** The same draw as an array of {@code manager} (any device), float32. */
    public static NDArray randn(long seed, Shape shape, NDManager manager) {
        return manager.create(randn(seed, shape), shape);
    }
}
