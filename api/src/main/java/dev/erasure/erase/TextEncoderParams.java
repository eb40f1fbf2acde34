package dev.erasure.erase;

import dev.erasure.io.Records;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Which CLIP text-encoder tensors AdvUnlearn trains (methods.md §5.1): a set of encoder layers
 * ({@code text_model.encoder.layers.N.}; exact layer numbers, so layer 1 never selects layer 10),
 * a component of each layer, and optionally the final LayerNorm. Token and position embeddings
 * are never trained. {@link #full()} is the README's {@code text_encoder_full} with
 * {@code component=all}: every layer plus the final LayerNorm.
 *
 * @param layers    encoder layer indices (empty = all layers)
 * @param component the part of each selected layer
 * @param finalNorm whether {@code text_model.final_layer_norm} trains too ({@code --norm_layer})
 */
public record TextEncoderParams(List<Integer> layers, Component component, boolean finalNorm) {
    /** {@code --component}: all = the whole layer, attn = {@code self_attn} only, ffn = {@code mlp} only. */
    public enum Component { ALL, ATTN, FFN }

    private static final String LAYERS = "text_model.encoder.layers.";
    private static final String FINAL_NORM = "text_model.final_layer_norm.";

    public TextEncoderParams {
        layers = List.copyOf(layers);
        if (component == null) throw new IllegalArgumentException("component must not be null");
        for (int l : layers) if (l < 0) throw new IllegalArgumentException("layer index must be ≥ 0, got " + l);
    }

    /** {@code text_encoder_full}: all layers, whole layers, final LayerNorm. */
    public static TextEncoderParams full() {
        return new TextEncoderParams(List.of(), Component.ALL, true);
    }

    /** {@code text_encoder_layer<digits>}: these layers only, whole layers, no final LayerNorm. */
    public static TextEncoderParams layers(int... indices) {
        if (indices.length == 0) throw new IllegalArgumentException("give at least one layer index");
        return new TextEncoderParams(Arrays.stream(indices).boxed().toList(), Component.ALL, false);
    }

    public TextEncoderParams component(Component c) {
        return Records.with(this, "component", c);
    }

    public TextEncoderParams finalNorm(boolean on) {
        return Records.with(this, "finalNorm", on);
    }

    public boolean test(String key) {
        if (key.startsWith(FINAL_NORM)) return finalNorm;
        if (!key.startsWith(LAYERS)) return false;
        String rest = key.substring(LAYERS.length());
        int dot = rest.indexOf('.');
        if (dot <= 0) return false;
        int layer;
        try {
            layer = Integer.parseInt(rest.substring(0, dot));
        } catch (NumberFormatException e) {
            return false;
        }
        if (!layers.isEmpty() && !layers.contains(layer)) return false;
        String inner = rest.substring(dot + 1);
        return switch (component) {
            case ALL -> true;
            case ATTN -> inner.startsWith("self_attn.");
            case FFN -> inner.startsWith("mlp.");
        };
    }

    /** The selected keys, in the given order. */
    public List<String> select(Collection<String> keys) {
        List<String> out = new ArrayList<>();
        for (String k : keys) if (test(k)) out.add(k);
        return out;
    }

    /** The official {@code train_method} spelling, e.g. "text_encoder_full" or "text_encoder_layer01". */
    public String name() {
        String base = layers.isEmpty() ? "text_encoder_full"
                : "text_encoder_layer" + layers.stream().map(String::valueOf).collect(Collectors.joining());
        return base + (component == Component.ALL ? "" : "/" + component.name().toLowerCase())
                + (finalNorm && !layers.isEmpty() ? "+final_norm" : "") + (!finalNorm && layers.isEmpty() ? "-final_norm" : "");
    }
}
