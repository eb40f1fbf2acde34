package dev.erasure.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Which UNet tensors train: the {@code train_method} filters of methods.md §0.3, written as
 * predicates on diffusers key names ({@code down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight}).
 * Each factory's javadoc gives the CompVis rule it is equivalent to.
 */
public final class Params {
    private final String name;
    private final Predicate<String> rule;

    private Params(String name, Predicate<String> rule) {
        this.name = name;
        this.rule = rule;
    }

    /** ESD-x, {@code xattn}: every tensor of the 16 cross-attentions (name contains {@code attn2}). */
    public static Params crossAttention() {
        return new Params("xattn", k -> k.contains("attn2"));
    }

    /**
     * ESD-u, {@code noxattn}: all except cross-attention, the time embedding MLP and the output
     * head (CompVis: not {@code out.*}, not {@code *attn2*}, not {@code *time_embed*}). Resnet
     * {@code time_emb_proj} (CompVis {@code emb_layers}) and norm2 (before attn2) are kept.
     */
    public static Params nonCrossAttention() {
        return new Params("noxattn", k -> !k.contains("attn2") && !isTimeOrHead(k));
    }

    /** {@code full}: every UNet tensor. */
    public static Params full() {
        return new Params("full", k -> true);
    }

    /** {@code selfattn}: names containing {@code attn1}. */
    public static Params selfAttention() {
        return new Params("selfattn", k -> k.contains("attn1"));
    }

    /** {@code notime}: all except the time embedding MLP and the output head. */
    public static Params noTime() {
        return new Params("notime", k -> !isTimeOrHead(k));
    }

    /** {@code xlayer}: attn2 of CompVis output_blocks.6/.8 = up_blocks.2.attentions.0 and .2. */
    public static Params crossAttentionLayers() {
        return new Params("xlayer", k -> k.contains("attn2")
                && (k.startsWith("up_blocks.2.attentions.0.") || k.startsWith("up_blocks.2.attentions.2.")));
    }

    /** {@code selflayer}: attn1 of CompVis input_blocks.4/.7 = down_blocks.1/.2 attentions.0. */
    public static Params selfAttentionLayers() {
        return new Params("selflayer", k -> k.contains("attn1")
                && (k.startsWith("down_blocks.1.attentions.0.") || k.startsWith("down_blocks.2.attentions.0.")));
    }

    /** EAP's {@code xattn_matching}: the q/k/v projections of attn2 (not to_out). */
    public static Params crossAttentionMatching() {
        return new Params("xattn_matching", k -> k.contains("attn2")
                && (k.contains("to_q") || k.contains("to_k") || k.contains("to_v")));
    }

    /** Only K and V of attn2 (UCE, CA "cross-attn", ESD "esd-x-strict"). */
    public static Params crossAttentionKeyValue() {
        return new Params("xattn_kv", k -> k.contains("attn2.to_k") || k.contains("attn2.to_v"));
    }

    /** Tensors whose diffusers name contains a match of {@code regex} ({@link java.util.regex.Matcher#find}). */
    public static Params matching(String regex) {
        Pattern p = Pattern.compile(regex);
        return new Params("matching(" + regex + ")", k -> p.matcher(k).find());
    }

    /** The filter of an official {@code train_method} name (xattn, noxattn, full, selfattn, notime, xlayer, selflayer, xattn_matching). */
    public static Params named(String trainMethod) {
        switch (trainMethod.toLowerCase(Locale.ROOT)) {
            case "xattn": case "esd-x": return crossAttention();
            case "noxattn": case "esd-u": return nonCrossAttention();
            case "full": return full();
            case "selfattn": return selfAttention();
            case "notime": return noTime();
            case "xlayer": return crossAttentionLayers();
            case "selflayer": return selfAttentionLayers();
            case "xattn_matching": return crossAttentionMatching();
            default:
                throw new IllegalArgumentException("unknown train_method '" + trainMethod
                        + "'; known: xattn, noxattn, full, selfattn, notime, xlayer, selflayer, xattn_matching");
        }
    }

    private static boolean isTimeOrHead(String k) {
        return k.startsWith("time_embedding.") || k.startsWith("conv_norm_out.") || k.startsWith("conv_out.");
    }

    public boolean test(String key) {
        return rule.test(key);
    }

    /** The keys this filter selects, in the given order. */
    public List<String> select(Collection<String> keys) {
        List<String> out = new ArrayList<>();
        for (String k : keys) if (rule.test(k)) out.add(k);
        return out;
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return name;
    }
}
