/** CLIP text encoding parts: byte-level BPE tables, tokenizer.json reading, prompt cleaning, the encoder stack. Layer: sd. */
package dev.erasure.sd.clip;
