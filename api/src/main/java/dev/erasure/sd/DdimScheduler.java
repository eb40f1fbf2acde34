package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.erasure.sd.scheduler.BetaSchedule;


import java.util.Arrays;
import dev.erasure.sd.scheduler.EulerDiscreteScheduler;
import dev.erasure.sd.scheduler.Schedule;
import dev.erasure.sd.scheduler.Scheduler;
import java.util.Locale;

/**
 * diffusers 0.25.1 DDIMScheduler, deterministic (eta 0), stateless: the number of inference steps
 * is passed to {@link #step} instead of being stored by set_timesteps. Schedule values are float32
 * exactly as diffusers' torch code makes them ({@link BetaSchedule}); per-step coefficients are
 * float32 scalars like diffusers' 0-dim tensors. Options this port does not implement
 * (thresholding, other schedules/spacings) are rejected by name rather than silently ignored.
 */
public final class DdimScheduler implements Scheduler {
    public enum Prediction { EPSILON, V_PREDICTION, SAMPLE }

    public enum Spacing { LEADING, TRAILING, LINSPACE }

    /** prevSample = x_{t−Δ}; predOriginalSample = the x0 estimate. */
    public record StepOutput(NDArray prevSample, NDArray predOriginalSample) {
    }

    private final int numTrainTimesteps;
    private final float[] betas;
    private final float[] alphasCumprod;
    private final float finalAlphaCumprod;
    private final int stepsOffset;
    private final Prediction prediction;
    private final Spacing spacing;
    private final boolean clipSample;
    private final float clipSampleRange;

    public DdimScheduler(int numTrainTimesteps, float[] betas, boolean setAlphaToOne, int stepsOffset,
                         Prediction prediction, Spacing spacing, boolean clipSample, float clipSampleRange) {
        if (betas.length != numTrainTimesteps) {
            throw new IllegalArgumentException(betas.length + " betas for num_train_timesteps " + numTrainTimesteps);
        }
        this.numTrainTimesteps = numTrainTimesteps;
        this.betas = betas.clone();
        this.alphasCumprod = BetaSchedule.alphasCumprod(betas);
        this.finalAlphaCumprod = setAlphaToOne ? 1f : alphasCumprod[0];
        this.stepsOffset = stepsOffset;
        this.prediction = prediction;
        this.spacing = spacing;
        this.clipSample = clipSample;
        this.clipSampleRange = clipSampleRange;
    }

    /** From a diffusers scheduler_config.json; defaults as DDIMScheduler's constructor. */
    public static DdimScheduler fromJson(JsonObject c) {
        ConfigJson j = new ConfigJson(c, "scheduler config");
        if (j.bool("thresholding", false)) throw new IllegalArgumentException("DDIM option thresholding=true is not supported");
        float[] betas = BetaSchedule.fromConfig(c, "DDIM");
        int n = betas.length;
        return new DdimScheduler(n, betas, j.bool("set_alpha_to_one", true), (int) j.number("steps_offset", 0),
                parse(Prediction.class, "prediction_type", j.string("prediction_type", "epsilon")),
                parse(Spacing.class, "timestep_spacing", j.string("timestep_spacing", "leading")),
                j.bool("clip_sample", true), (float) j.number("clip_sample_range", 1.0));
    }

    /** DDIM as a {@link dev.erasure.sd.scheduler.Schedule}: init_noise_sigma 1, no input scaling, eta 0. */
    @Override
    public Schedule schedule(int inferenceSteps) {
        int[] t = timesteps(inferenceSteps);
        return new Schedule() {
            @Override
            public float[] timesteps() {
                float[] f = new float[t.length];
                for (int i = 0; i < t.length; i++) f[i] = t[i];
                return f;
            }

            @Override
            public float initNoiseSigma() {
                return 1f;
            }

            @Override
            public NDArray scaleModelInput(NDArray sample, int stepIndex) {
                return sample;
            }

            @Override
            public NDArray step(NDArray modelOutput, int stepIndex, NDArray sample) {
                return DdimScheduler.this.step(modelOutput, t[stepIndex], sample, inferenceSteps).prevSample();
            }
        };
    }

    /** The same schedule predicting another quantity (DDIMScheduler.from_config(config, prediction_type=...)). */
    public DdimScheduler withPrediction(Prediction p) {
        return new DdimScheduler(numTrainTimesteps, betas, finalAlphaCumprod == 1f, stepsOffset, p, spacing,
                clipSample, clipSampleRange);
    }

    /** DDIMScheduler.set_timesteps(steps).timesteps, descending. */
    public int[] timesteps(int steps) {
        checkSteps(steps);
        int[] t = new int[steps];
        switch (spacing) {
            case LEADING: {
                int ratio = numTrainTimesteps / steps;
                for (int i = 0; i < steps; i++) t[i] = (steps - 1 - i) * ratio + stepsOffset;
                break;
            }
            case TRAILING: {
                // np.round(np.arange(N, 0, -N/steps)) - 1
                double ratio = (double) numTrainTimesteps / steps;
                for (int i = 0; i < steps; i++) t[i] = (int) Math.rint(numTrainTimesteps - i * ratio) - 1;
                break;
            }
            default: {
                // np.linspace(0, N-1, steps).round()[::-1]; numpy sets the last point to exactly N-1
                double delta = numTrainTimesteps - 1;
                for (int i = 0; i < steps; i++) {
                    double v = steps == 1 ? 0 : (i == steps - 1 ? delta : i * (delta / (steps - 1)));
                    t[steps - 1 - i] = (int) Math.rint(v);
                }
            }
        }
        return t;
    }

    /** The timestep a step from t lands on: t − N // steps (negative past the end of the schedule). */
    public int previousTimestep(int t, int numInferenceSteps) {
        checkSteps(numInferenceSteps);
        return t - numTrainTimesteps / numInferenceSteps;
    }

    /** One DDIM step with eta 0 (DDIMScheduler.step after set_timesteps(numInferenceSteps)). */
    public StepOutput step(NDArray modelOutput, int t, NDArray sample, int numInferenceSteps) {
        checkTimestep(t);
        if (!modelOutput.getShape().equals(sample.getShape())) {
            throw new IllegalArgumentException("model output " + modelOutput.getShape() + " and sample "
                    + sample.getShape() + " differ in shape");
        }
        int prevT = previousTimestep(t, numInferenceSteps);
        float alphaProd = alphasCumprod[t];
        float alphaProdPrev = prevT >= 0 ? alphasCumprod[prevT] : finalAlphaCumprod;
        float betaProd = 1f - alphaProd;
        float sqrtAlpha = sqrt(alphaProd);
        float sqrtBeta = sqrt(betaProd);
        NDArray x0;
        NDArray eps;
        switch (prediction) {
            case EPSILON:
                x0 = sample.sub(modelOutput.mul(sqrtBeta)).div(sqrtAlpha);
                eps = modelOutput;
                break;
            case SAMPLE:
                x0 = modelOutput;
                eps = sample.sub(x0.mul(sqrtAlpha)).div(sqrtBeta);
                break;
            default:
                x0 = sample.mul(sqrtAlpha).sub(modelOutput.mul(sqrtBeta));
                eps = modelOutput.mul(sqrtAlpha).add(sample.mul(sqrtBeta));
        }
        if (clipSample) x0 = x0.clip(-clipSampleRange, clipSampleRange);
        NDArray direction = eps.mul(sqrt(1f - alphaProdPrev));
        NDArray prev = x0.mul(sqrt(alphaProdPrev)).add(direction);
        return new StepOutput(prev, x0);
    }

    /** DDPM q_sample: √ᾱ_t·x0 + √(1−ᾱ_t)·noise, with one t per batch item (or one t for all). */
    public NDArray addNoise(NDArray x0, NDArray noise, int[] t) {
        Shape s = x0.getShape();
        if (!noise.getShape().equals(s)) {
            throw new IllegalArgumentException("noise " + noise.getShape() + " and x0 " + s + " differ in shape");
        }
        long batch = s.get(0);
        if (t.length != batch && t.length != 1) {
            throw new IllegalArgumentException(t.length + " timesteps for a batch of " + batch);
        }
        float[] a = new float[(int) batch];
        float[] b = new float[(int) batch];
        for (int i = 0; i < batch; i++) {
            int ti = t[t.length == 1 ? 0 : i];
            checkTimestep(ti);
            a[i] = sqrt(alphasCumprod[ti]);
            b[i] = sqrt(1f - alphasCumprod[ti]);
        }
        long[] coefShape = new long[s.dimension()];
        Arrays.fill(coefShape, 1);
        coefShape[0] = batch;
        NDArray ca = x0.getManager().create(a, new Shape(coefShape)).toType(x0.getDataType(), false);
        NDArray cb = x0.getManager().create(b, new Shape(coefShape)).toType(x0.getDataType(), false);
        return x0.mul(ca).add(noise.mul(cb));
    }

    public float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    public float[] betas() {
        return betas.clone();
    }

    public int numTrainTimesteps() {
        return numTrainTimesteps;
    }

    /** DDIM starts from unit-variance noise. */
    public float initNoiseSigma() {
        return 1f;
    }

    /**
     * The Euler sampler over the same training schedule (betas, steps_offset, spacing, prediction
     * type), as {@code EulerDiscreteScheduler.from_config(ddim_config)} builds it.
     */
    public EulerDiscreteScheduler toEuler() {
        return new EulerDiscreteScheduler(betas, stepsOffset,
                spacing.name().toLowerCase(Locale.ROOT),
                EulerDiscreteScheduler.Prediction.valueOf(prediction.name()));
    }

    public Prediction predictionType() {
        return prediction;
    }

    /** float32 square root, as torch's tensor ** 0.5 on a float32 0-dim tensor. */
    private static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }

    private void checkSteps(int steps) {
        if (steps < 1 || steps > numTrainTimesteps) {
            throw new IllegalArgumentException("num_inference_steps " + steps + " must be in [1, " + numTrainTimesteps + "]");
        }
    }

    private void checkTimestep(int t) {
        if (t < 0 || t >= numTrainTimesteps) {
            throw new IllegalArgumentException("timestep " + t + " outside [0, " + numTrainTimesteps + ")");
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String key, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("DDIM " + key + " '" + value + "' is not supported; expected one of "
                    + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT), e);
        }
    }
}
