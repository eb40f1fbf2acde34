/**
 * The erasure methods, one class per method reading like methods.md (ESD, EAP, UCE, Concept Ablation,
 * AdvUnlearn, AdvAnchor), the loop they share (sessions, checkpoints, history) and what a run produces
 * ({@link dev.erasure.erase.Outcome}). A {@link dev.erasure.erase.Method} record is a method as its user
 * configures it (its own options, its paper's defaults, the common options it reads); its history is
 * one record type of its own ({@link dev.erasure.erase.StepRecord}); {@link dev.erasure.erase.Settings}
 * holds only the common options, resolved. Layer: above core; imports core, train, sd and the leaves, never
 * eval (a judge is applied to an erased model, not used by the method) nor the facade.
 */
package dev.erasure.erase;
