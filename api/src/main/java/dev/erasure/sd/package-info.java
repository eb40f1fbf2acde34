/**
 * Stable Diffusion natively on DJL: the UNet, VAE and CLIP text encoder (module structure and
 * weight names of diffusers), the scheduler, loading of diffusers folders and single-file checkpoints,
 * generation. Layer: above progress; imports nothing else of the project, so it can be used and tested
 * alone. Sub-packages hold the modules (unet, vae, clip, nn), the file formats (io) and the schedulers.
 */
package dev.erasure.sd;
