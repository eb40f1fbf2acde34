package dev.erasure.toy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.ClipTokenizer;
import dev.erasure.sd.Images;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An endless, random-access stream of captioned ShapeWorld images: item {@code i} is a pure function of
 * (world, grammar, seed, i). Batches hold images [B,3,H,W] float32 in [-1,1] and CLIP token ids [B,L] int64.
 */
public final class ShapeWorldDataset {
    /** The probe's text encoder read 16 positions; the longest caption needs 11 (BOS + 8 words, "outlined" = 2 BPE tokens, EOS). */
    public static final int DEFAULT_MAX_TOKENS = 16;

    private final ShapeWorld world;
    private final CaptionGrammar grammar;
    private final long seed;
    private final ClipTokenizer tokenizer;
    private final int maxTokens;

    public ShapeWorldDataset(ShapeWorld world, CaptionGrammar grammar, long seed, ClipTokenizer tokenizer, int maxTokens) {
        if (world == null || grammar == null || tokenizer == null) throw new IllegalArgumentException("world, grammar and tokenizer are required");
        if (maxTokens < 2) throw new IllegalArgumentException("maxTokens must leave room for BOS and EOS (>= 2), got " + maxTokens);
        this.world = world;
        this.grammar = grammar;
        this.seed = seed;
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
    }

    /** The standard 16 px world and grammar, the bundled CLIP tokenizer, 16 tokens. */
    public static ShapeWorldDataset standard(long seed) {
        return new ShapeWorldDataset(ShapeWorld.standard(), CaptionGrammar.standard(), seed, ClipTokenizer.bundled(),
                DEFAULT_MAX_TOKENS);
    }

    /** One captioned scene. */
    public record Example(long index, Scene scene, String caption) {
    }

    /** Images [B,3,H,W] in [-1,1], token ids [B,maxTokens], and what they were made from. Closing frees the arrays. */
    public record Batch(NDArray images, NDArray ids, List<Example> examples) implements AutoCloseable {
        public List<String> captions() {
            return examples.stream().map(Example::caption).toList();
        }

        @Override
        public void close() {
            images.close();
            ids.close();
        }
    }

    public Example example(long index) {
        var streams = ShapeWorld.streams(seed, index);
        Scene scene = world.draw(streams[0]);
        return new Example(index, scene, grammar.caption(scene, streams[1]));
    }

    /** Items {@code first .. first+size−1}. */
    public Batch batch(NDManager manager, long first, int size) {
        if (size < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + size);
        List<Example> examples = new ArrayList<>(size);
        for (int i = 0; i < size; i++) examples.add(example(first + i));
        NDList images = new NDList(size);
        try {
            for (Example e : examples) images.add(Images.fromImage(manager, world.render(e.scene())));
            NDArray stacked = NDArrays.concat(images, 0);
            // BOS, the first maxTokens−2 tokens, EOS (kept on truncation, as CLIP does), then pad ids.
            long[][] ids = tokenizer.encode(examples.stream().map(Example::caption).toList(), maxTokens);
            NDArray idArray = manager.create(Arrays.stream(ids).flatMapToLong(Arrays::stream).toArray(), new Shape(size, maxTokens));
            return new Batch(stacked, idArray, List.copyOf(examples));
        } finally {
            images.close();
        }
    }

    /** Batch number {@code b} of consecutive batches of {@code size}: items b·size .. (b+1)·size−1. */
    public Batch batchNumber(NDManager manager, long b, int size) {
        return batch(manager, b * size, size);
    }

    public ShapeWorld world() {
        return world;
    }

    public CaptionGrammar grammar() {
        return grammar;
    }

    public int maxTokens() {
        return maxTokens;
    }
}
