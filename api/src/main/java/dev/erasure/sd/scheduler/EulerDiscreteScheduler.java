package dev.erasure.sd.scheduler;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;

/**
 * diffusers' EulerDiscreteScheduler (0.25), SDXL's default, with s_churn 0 (no noise is added):
 * σ(t) = sqrt((1 − ᾱ_t)/ᾱ_t) in float32; {@code scale_model_input} divides by sqrt(σ_i² + 1);
 * {@code step}: x0 = x − σ_i·ε (epsilon) or the v / sample variants, d = (x − x0)/σ_i,
 * x_next = x + d·(σ_{i+1} − σ_i), with σ_n = 0. init_noise_sigma, as diffusers: σ_max for
 * "linspace"/"trailing" spacing, else sqrt(σ_max² + 1).
 */
public final class EulerDiscreteScheduler implements Scheduler {
    public enum Prediction { EPSILON, V_PREDICTION, SAMPLE }

    private final int numTrainTimesteps;
    private final float[] alphasCumprod;
    private final float[] trainSigmas;
    private final int stepsOffset;
    private final String spacing;
    private final Prediction prediction;

    /** What the UNet predicts (the config's prediction_type). */
    public Prediction prediction() {
        return prediction;
    }

    public EulerDiscreteScheduler(float[] betas, int stepsOffset, String spacing, Prediction prediction) {
        this.numTrainTimesteps = betas.length;
        this.alphasCumprod = BetaSchedule.alphasCumprod(betas);
        this.trainSigmas = new float[betas.length];
        for (int i = 0; i < betas.length; i++) {
            float a = alphasCumprod[i];
            trainSigmas[i] = (float) Math.sqrt((1f - a) / a); // torch: ((1 - ac) / ac) ** 0.5 in float32
        }
        this.stepsOffset = stepsOffset;
        this.spacing = spacing;
        this.prediction = prediction;
    }

    /** From a diffusers scheduler_config.json (Euler's or any SD scheduler's: the shared keys). */
    public static EulerDiscreteScheduler fromJson(JsonObject c) {
        float[] betas = BetaSchedule.fromConfig(c, "Euler");
        if (c.has("use_karras_sigmas") && c.get("use_karras_sigmas").getAsBoolean()) {
            throw new IllegalArgumentException("Euler option use_karras_sigmas=true is not supported");
        }
        if (!string(c, "interpolation_type", "linear").equals("linear")) {
            throw new IllegalArgumentException("Euler interpolation_type '" + string(c, "interpolation_type", "") + "' is not supported");
        }
        String p = string(c, "prediction_type", "epsilon");
        Prediction prediction = switch (p) {
            case "epsilon" -> Prediction.EPSILON;
            case "v_prediction" -> Prediction.V_PREDICTION;
            case "sample" -> Prediction.SAMPLE;
            default -> throw new IllegalArgumentException("Euler prediction_type '" + p + "' is not supported");
        };
        int offset = c.has("steps_offset") ? c.get("steps_offset").getAsInt() : 0;
        return new EulerDiscreteScheduler(betas, offset, string(c, "timestep_spacing", "linspace"), prediction);
    }

    private static String string(JsonObject c, String key, String fallback) {
        return c.has(key) && !c.get(key).isJsonNull() ? c.get(key).getAsString() : fallback;
    }

    public float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** set_timesteps(n).timesteps as float32. */
    public float[] timesteps(int steps) {
        if (steps <= 0 || steps > numTrainTimesteps) {
            throw new IllegalArgumentException("inference steps must be in 1.." + numTrainTimesteps + ", got " + steps);
        }
        float[] t = new float[steps];
        switch (spacing) {
            case "leading" -> {
                int ratio = numTrainTimesteps / steps;
                for (int i = 0; i < steps; i++) t[i] = (float) ((steps - 1 - i) * ratio + stepsOffset);
            }
            case "trailing" -> {
                double ratio = (double) numTrainTimesteps / steps;
                for (int i = 0; i < steps; i++) t[i] = (float) (Math.rint(numTrainTimesteps - i * ratio) - 1);
            }
            case "linspace" -> {
                double delta = numTrainTimesteps - 1;
                for (int i = 0; i < steps; i++) {
                    double v = steps == 1 ? 0 : (i == steps - 1 ? delta : i * (delta / (steps - 1)));
                    t[steps - 1 - i] = (float) v;
                }
            }
            default -> throw new IllegalArgumentException("Euler timestep_spacing '" + spacing + "' is not supported");
        }
        return t;
    }

    /** np.interp(timesteps, arange(N), σ) in float64, then float32; + a final 0. */
    public float[] sigmas(int steps) {
        float[] t = timesteps(steps);
        float[] s = new float[steps + 1];
        for (int i = 0; i < steps; i++) {
            double x = t[i];
            int lo = (int) Math.floor(x);
            int hi = Math.min(lo + 1, numTrainTimesteps - 1);
            double frac = x - lo;
            s[i] = (float) (trainSigmas[lo] + frac * ((double) trainSigmas[hi] - trainSigmas[lo]));
        }
        return s;
    }

    public float initNoiseSigma(int steps) {
        float max = 0;
        for (float v : sigmas(steps)) max = Math.max(max, v);
        boolean plain = spacing.equals("linspace") || spacing.equals("trailing");
        return plain ? max : (float) Math.sqrt((double) max * max + 1);
    }

    @Override
    public Schedule schedule(int inferenceSteps) {
        float[] t = timesteps(inferenceSteps);
        float[] sigmas = sigmas(inferenceSteps);
        float init = initNoiseSigma(inferenceSteps);
        return new Schedule() {
            @Override
            public float[] timesteps() {
                return t.clone();
            }

            @Override
            public float initNoiseSigma() {
                return init;
            }

            @Override
            public NDArray scaleModelInput(NDArray sample, int i) {
                return sample.div((float) Math.sqrt((double) sigmas[i] * sigmas[i] + 1));
            }

            @Override
            public NDArray step(NDArray modelOutput, int i, NDArray sample) {
                return EulerDiscreteScheduler.this.step(modelOutput, sigmas[i], sigmas[i + 1], sample)[0];
            }
        };
    }

    /** {prev_sample, pred_original_sample} of one step from σ to σ_next. */
    public NDArray[] step(NDArray modelOutput, float sigma, float sigmaNext, NDArray sample) {
        NDArray x0 = switch (prediction) {
            case EPSILON -> sample.sub(modelOutput.mul(sigma));
            // diffusers: model_output * (-σ/sqrt(σ²+1)) + sample / (σ²+1)
            case V_PREDICTION -> modelOutput.mul((float) (-sigma / Math.sqrt((double) sigma * sigma + 1)))
                    .add(sample.div((float) ((double) sigma * sigma + 1)));
            case SAMPLE -> modelOutput;
        };
        NDArray d = sample.sub(x0).div(sigma);
        NDArray prev = sample.add(d.mul(sigmaNext - sigma));
        return new NDArray[] {prev, x0};
    }
}
