/**
 * Judging erased models as the papers do: CLIP and image scorers, classifiers, prompt protocols,
 * robustness (UnlearnDiffAtk), sensitivity spectra, metrics. Layer: above erase; imports erase, core,
 * train, sd and the leaves; never the facade or anything above.
 */
package dev.erasure.eval;
