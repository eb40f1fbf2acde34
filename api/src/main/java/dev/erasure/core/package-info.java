/**
 * Value types that describe an erasure and its data, shared by erase, eval and the facade: which
 * tensors train ({@link dev.erasure.core.Params}), what to preserve ({@link dev.erasure.core.Preserve}),
 * official-or-corrected behaviour ({@link dev.erasure.core.Compat}), word lists
 * ({@link dev.erasure.core.Vocabulary}) and prompt sets ({@link dev.erasure.core.PromptSet}).
 * Layer: above train; imports sd (the tokenizer, to filter words) and the leaves.
 */
package dev.erasure.core;
