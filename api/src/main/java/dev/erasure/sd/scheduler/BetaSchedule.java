package dev.erasure.sd.scheduler;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * Noise schedules computed in float32 the way diffusers' torch code computes them (CPU kernels),
 * so betas and alphas_cumprod equal a reference pipeline's bit for bit: every later DDIM step and
 * the training noise levels inherit these values, and the fixture's ddim.* goldens match with 0 diff.
 */
public final class BetaSchedule {
    private BetaSchedule() {
    }

    /**
     * The betas a diffusers scheduler config describes: trained_betas, or beta_schedule with
     * beta_start/beta_end/num_train_timesteps (defaults as diffusers: linear, 0.0001, 0.02, 1000);
     * rescale_betas_zero_snr applied when set.
     *
     * @param what the scheduler's name for error messages ("DDIM", "LMS")
     */
    public static float[] fromConfig(JsonObject c, String what) {
        float[] betas = declared(c, what);
        JsonElement rescale = c.get("rescale_betas_zero_snr");
        return rescale != null && !rescale.isJsonNull() && rescale.getAsBoolean() ? rescaleZeroTerminalSnr(betas) : betas;
    }

    private static float[] declared(JsonObject c, String what) {
        JsonElement trained = c.get("trained_betas");
        if (trained != null && !trained.isJsonNull()) {
            float[] betas = new float[trained.getAsJsonArray().size()];
            for (int i = 0; i < betas.length; i++) betas[i] = trained.getAsJsonArray().get(i).getAsFloat();
            return betas;
        }
        int n = (int) number(c, "num_train_timesteps", 1000);
        double start = number(c, "beta_start", 0.0001);
        double end = number(c, "beta_end", 0.02);
        JsonElement s = c.get("beta_schedule");
        String schedule = s == null || s.isJsonNull() ? "linear" : s.getAsString();
        return switch (schedule) {
            case "linear" -> linear(start, end, n);
            case "scaled_linear" -> scaledLinear(start, end, n);
            case "squaredcos_cap_v2" -> squaredCosCapV2(n);
            default -> throw new IllegalArgumentException(what + " beta_schedule '" + schedule + "' is not supported"
                    + " (linear, scaled_linear, squaredcos_cap_v2, or trained_betas)");
        };
    }

    /** A numeric config key (default when missing or null); a non-number is an error naming the key. */
    static double number(JsonObject c, String key, double dflt) {
        JsonElement e = c.get(key);
        if (e == null || e.isJsonNull()) return dflt;
        try {
            return e.getAsDouble();
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException("scheduler config key '" + key + "' must be a number, got " + e);
        }
    }

    /** diffusers "linear": torch.linspace(start, end, n, dtype=float32). */
    public static float[] linear(double start, double end, int n) {
        return linspaceFloat32(start, end, n);
    }

    /** diffusers "scaled_linear": torch.linspace(√start, √end, n, dtype=float32) ** 2. */
    public static float[] scaledLinear(double start, double end, int n) {
        float[] b = linspaceFloat32(Math.sqrt(start), Math.sqrt(end), n);
        for (int i = 0; i < n; i++) b[i] = b[i] * b[i];
        return b;
    }

    /** diffusers "squaredcos_cap_v2" (betas_for_alpha_bar, cosine): Python float math, then float32. */
    public static float[] squaredCosCapV2(int n) {
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            double t1 = (double) i / n;
            double t2 = (double) (i + 1) / n;
            b[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
        }
        return b;
    }

    private static double alphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /**
     * torch.cumprod(1 − betas) on CPU: torch accumulates float32 cumulative products in double
     * (acc_type&lt;float&gt;) and rounds each output, which differs from a float running product
     * after a few hundred steps.
     */
    public static float[] alphasCumprod(float[] betas) {
        float[] out = new float[betas.length];
        double acc = 1.0;
        for (int i = 0; i < betas.length; i++) {
            acc *= (1.0f - betas[i]);
            out[i] = (float) acc;
        }
        return out;
    }

    /** diffusers rescale_zero_terminal_snr (arXiv 2305.08891, Alg. 1), in float32 like the torch code. */
    public static float[] rescaleZeroTerminalSnr(float[] betas) {
        int n = betas.length;
        float[] sqrtBar = alphasCumprod(betas);
        for (int i = 0; i < n; i++) sqrtBar[i] = (float) Math.sqrt(sqrtBar[i]);
        float first = sqrtBar[0];
        float last = sqrtBar[n - 1];
        float scale = first / (first - last);
        float[] bar = new float[n];
        for (int i = 0; i < n; i++) {
            float s = (sqrtBar[i] - last) * scale;
            bar[i] = s * s;
        }
        float[] out = new float[n];
        out[0] = 1 - bar[0];
        for (int i = 1; i < n; i++) out[i] = 1 - bar[i] / bar[i - 1];
        return out;
    }

    /**
     * torch.linspace(start, end, n) for float32 on x86 CPUs (AVX2 kernel, torch 1.13–2.x): the step
     * is float32; the first half counts up from start and the second half down from end, each base
     * value a fused multiply-add; inside an 8-lane vector lane j is base + j·step; the loop runs two
     * vectors at a time and finishes the remainder with the scalar formula. Verified bit-exact
     * against the fixture's ddim.betas (a plain float loop differs in about 270 of 1000 values).
     */
    static float[] linspaceFloat32(double startD, double endD, int n) {
        float[] out = new float[n];
        if (n == 1) {
            out[0] = (float) startD;
            return out;
        }
        float start = (float) startD;
        float end = (float) endD;
        float step = (end - start) / (n - 1);
        final int lanes = 8;
        int idx = 0;
        for (; idx + 2 * lanes <= n; idx += 2 * lanes) {
            for (int v = idx; v < idx + 2 * lanes; v += lanes) {
                float base = linspaceScalar(start, end, step, n, v);
                for (int j = 0; j < lanes; j++) out[v + j] = Math.fma(j, step, base);
            }
        }
        for (; idx < n; idx++) out[idx] = linspaceScalar(start, end, step, n, idx);
        return out;
    }

    private static float linspaceScalar(float start, float end, float step, int n, int idx) {
        return idx < n / 2 ? Math.fma(step, idx, start) : Math.fma(-step, n - idx - 1, end);
    }
}
