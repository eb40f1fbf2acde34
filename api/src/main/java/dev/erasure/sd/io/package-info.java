/** Weight files: safetensors reading and atomic writing, diffusers folders, single-file (LDM) checkpoints and their key names. Layer: sd. */
package dev.erasure.sd.io;
