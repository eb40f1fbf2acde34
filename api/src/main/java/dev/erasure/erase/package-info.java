/**
 * The erasure methods, one class per method reading like methods.md (ESD, EAP, UCE, Concept Ablation,
 * AdvUnlearn, AdvAnchor), the loop they share (sessions, checkpoints, history) and what a run produces
 * ({@link dev.erasure.erase.Outcome}). Layer: above core; imports core, train, sd and the leaves, never
 * eval (a judge is applied to an erased model, not used by the method) nor the facade.
 */
package dev.erasure.erase;
