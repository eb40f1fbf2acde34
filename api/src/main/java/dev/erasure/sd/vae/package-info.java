/** The AutoencoderKL's encoder and decoder blocks, by diffusers name. Layer: sd. */
package dev.erasure.sd.vae;
