package dev.erasure.eval;

/**
 * Absolute tolerances for tiny-clip golden entries, from the fixture README's table: integer
 * entries (images, ids, masks, EOS index) exact; pixel values and cosines 1e-6; CLIP scores
 * (×100) 1e-4; everything else (tower outputs, embeddings, logits) 1e-5.
 */
final class ClipTolerance {
    private ClipTolerance() {
    }

    static double of(String name, String dtype) {
        if (!dtype.startsWith("F")) return 0;
        if (name.equals("processor.pixel_values") || name.equals("clip_score.cosine")) return 1e-6;
        if (name.startsWith("clip_score.")) return 1e-4;
        return 1e-5;
    }
}
