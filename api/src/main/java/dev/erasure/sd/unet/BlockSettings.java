package dev.erasure.sd.unet;

import dev.erasure.sd.UNetConfig;
import dev.erasure.sd.nn.ResnetBlock2D;

/** The per-block settings every UNet block builds its resnets and transformers from. */
record BlockSettings(UNetConfig cfg, int transformerLayers, int heads, boolean onlyCrossAttention) {

    ResnetBlock2D resnet(int in, int out, double outputScale) {
        return new ResnetBlock2D(in, out, cfg.normNumGroups, cfg.normEps, cfg.actFn, true, outputScale);
    }

    Transformer2DModel transformer(boolean midBlock) {
        // diffusers' UNetMidBlock2DCrossAttn takes no only_cross_attention flag
        return new Transformer2DModel(transformerLayers, heads, cfg.normNumGroups, cfg.useLinearProjection,
                !midBlock && onlyCrossAttention, cfg.upcastAttention);
    }
}
