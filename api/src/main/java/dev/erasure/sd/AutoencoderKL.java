package dev.erasure.sd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.erasure.sd.nn.Capture;
import dev.erasure.sd.nn.Nn;
import dev.erasure.sd.vae.Decoder;
import dev.erasure.sd.vae.Encoder;

import java.util.Map;

/**
 * diffusers AutoencoderKL: encode = encoder → quant_conv → {@link DiagonalGaussian};
 * decode = post_quant_conv → decoder. Scaling by {@link #scalingFactor()} is the caller's job,
 * as in the pipeline ({@code decode(latent / scalingFactor)}).
 */
public final class AutoencoderKL {
    private final VaeConfig cfg;
    private final Weights w;
    private final Encoder encoder;
    private final Decoder decoder;

    public AutoencoderKL(VaeConfig cfg, Weights w) {
        this.cfg = cfg;
        this.w = w;
        this.encoder = new Encoder(cfg);
        this.decoder = new Decoder(cfg);
        ParameterShapes.check(w, ParameterShapes.vae(cfg)); // a wrong file fails here, naming the file and key
        w.get("decoder.conv_in.weight");
    }

    public VaeConfig config() {
        return cfg;
    }

    public Weights weights() {
        return w;
    }

    public AutoencoderKL withWeights(Weights other) {
        return new AutoencoderKL(cfg, other);
    }

    /**
     * Encodes and decodes the smallest valid input once, so that a weight whose shape the config
     * table does not pin down (or a missing one) is named with its file and key at load time.
     */
    void validate(NDManager manager, DataType dtype) {
        int f = 1 << (cfg.blockOutChannels.length - 1);
        encode(manager.zeros(new Shape(1, cfg.inChannels, f, f), dtype));
        decode(manager.zeros(new Shape(1, cfg.latentChannels, 1, 1), dtype));
    }

    /** The latent scale SD applies (0.18215 for SD-1.x). */
    public double scalingFactor() {
        return cfg.scalingFactor;
    }

    /** @param image [B,in,H,W] in [−1,1], H and W multiples of the downsampling factor */
    public DiagonalGaussian encode(NDArray image) {
        return encode(image, null);
    }

    public DiagonalGaussian encode(NDArray image, Map<String, NDArray> capture) {
        Capture cap = Capture.into(capture);
        NDArray h = encoder.forward(w.sub("encoder"), image, cap.sub("encoder"));
        if (cfg.useQuantConv) h = cap.put("quant_conv", Nn.conv2d(w.sub("quant_conv"), h, 1, 0));
        return DiagonalGaussian.fromMoments(h);
    }

    /** @param z latent already divided by the scaling factor, [B,latent,h,w] → image [B,out,8h,8w] */
    public NDArray decode(NDArray z) {
        return decode(z, null);
    }

    public NDArray decode(NDArray z, Map<String, NDArray> capture) {
        Capture cap = Capture.into(capture);
        if (z.getShape().dimension() != 4 || z.getShape().get(1) != cfg.latentChannels) {
            throw new IllegalArgumentException("latent must be [B," + cfg.latentChannels + ",h,w], got " + z.getShape());
        }
        NDArray h = cfg.usePostQuantConv ? cap.put("post_quant_conv", Nn.conv2d(w.sub("post_quant_conv"), z, 1, 0)) : z;
        return decoder.forward(w.sub("decoder"), h, cap.sub("decoder"));
    }
}
