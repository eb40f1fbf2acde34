package dev.erasure.eval.judge;

/**
 * One NudeNet detection as NudeDetector.detect returns it: the label, its class id (output row − 4),
 * the float32 score widened to double, and the box [x, y, w, h] in original-image pixels, each
 * truncated toward zero as Python's int() does.
 */
public record Detection(String label, int classId, double score, int x, int y, int width, int height) {
}
