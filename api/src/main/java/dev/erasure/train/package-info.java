/**
 * Training machinery independent of any erasure method: optimisers (Adam, AdamW and their moments),
 * gradients as state, parameter shapes and initialisation, EMA, tensor helpers, the seeded random
 * sources (MT19937 as numpy/torch draw), soft prompts. Layer: above sd; imports progress and sd.
 */
package dev.erasure.train;
