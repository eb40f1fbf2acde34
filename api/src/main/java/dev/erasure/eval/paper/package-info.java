/**
 * The papers' evaluation protocols, one call each (methods.md §7): {@link dev.erasure.eval.paper.Nudity} (EAP
 * Table 2), {@link dev.erasure.eval.paper.Imagenette} (EAP Table 1), {@link dev.erasure.eval.paper.Artists}
 * (EAP Table 4), {@link dev.erasure.eval.paper.Utility} (COCO FID and CLIP) and
 * {@link dev.erasure.eval.paper.AttackSuccess} (UnlearnDiffAtk ASR). Each generates its images resumably,
 * judges them with the papers' judges and returns an {@link dev.erasure.eval.paper.Evaluation}: the paper's table,
 * its chart and a {@code protocol.json} pinning everything needed to reproduce the number.
 */
package dev.erasure.eval.paper;
