package dev.erasure.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;
import ai.djl.ndarray.types.DataType;

/**
 * Random initialisation as PyTorch modules do it by default: conv/linear weights kaiming-uniform with
 * a=√5, i.e. U(±1/√fan_in), biases U(±1/√fan_in) of their weight; norm weights 1, biases 0; embedding
 * tables (2-D keys ending in {@code embedding.weight}) N(0, 0.02) as transformers' CLIP does.
 * Deterministic: torch's global generator is seeded once.
 */
public final class Init {
    private Init() {
    }

    public static Map<String, NDArray> initialise(Map<String, Shape> shapes, NDManager manager, long seed) {
        Engine.getEngine("PyTorch").setRandomSeed((int) seed);
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            String key = e.getKey();
            Shape s = e.getValue();
            NDArray a;
            if (key.endsWith("embedding.weight")) {
                a = manager.randomNormal(0f, 0.02f, s, DataType.FLOAT32);
            } else if (s.dimension() == 1) {
                Shape w = key.endsWith(".bias") ? shapes.get(key.substring(0, key.length() - 5) + ".weight") : null;
                if (w != null && w.dimension() > 1) {
                    float bound = (float) (1 / Math.sqrt(fanIn(w)));
                    a = manager.randomUniform(-bound, bound, s);
                } else {
                    a = key.endsWith(".weight") ? manager.ones(s) : manager.zeros(s);
                }
            } else {
                float bound = (float) (1 / Math.sqrt(fanIn(s)));
                a = manager.randomUniform(-bound, bound, s);
            }
            a.setName(key);
            out.put(key, a);
        }
        return out;
    }

    /** in_channels × kernel area for a conv weight [out,in,kh,kw], in_features for a linear [out,in]. */
    static long fanIn(Shape weight) {
        return weight.size() / weight.get(0);
    }
}
