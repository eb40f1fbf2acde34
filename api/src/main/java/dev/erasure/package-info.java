/**
 * The facade: {@link dev.erasure.Erasure} (the fluent, immutable configuration of one erasure run),
 * {@link dev.erasure.ErasureResult} (the edited model, its history, saving) and {@link dev.erasure.Methods}
 * (the methods other than the ESD family, at their papers' defaults). Layer: above eval; imports progress,
 * sd, core, erase (and may import eval); imported only by sweep, toy and cli, which are written in this API.
 */
package dev.erasure;
