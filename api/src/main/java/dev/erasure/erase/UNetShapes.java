package dev.erasure.erase;

import dev.erasure.sd.ParameterShapes;
import dev.erasure.sd.UNetConfig;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The diffusers tensor names and shapes of a UNet2DConditionModel (SD-1.x, SD-2.x with linear
 * projections, SDXL with transformer stacks and the "text_time" add_embedding), derived from its
 * config alone (no weights), so memory can be planned without downloading it: {@link ParameterShapes},
 * the table the loader checks weights against, as arrays. Checked against the tiny fixtures' real key lists in the tests.
 */
public final class UNetShapes {
    private UNetShapes() {
    }

    public static Map<String, long[]> of(UNetConfig c) {
        Map<String, long[]> out = new LinkedHashMap<>();
        ParameterShapes.unet(c).forEach((k, s) -> out.put(k, s.getShape()));
        return out;
    }

    /** Elements of a shape. */
    public static long size(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
