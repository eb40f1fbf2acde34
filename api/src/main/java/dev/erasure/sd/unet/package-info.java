/** The UNet2DConditionModel's blocks (attention, transformers, down/mid/up blocks, timestep embedding), by diffusers name. Layer: sd. */
package dev.erasure.sd.unet;
