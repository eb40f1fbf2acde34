package dev.erasure.erase;

import java.util.Map;

/**
 * One loop iteration of an erasure run, as the history records it.
 *
 * @param iteration   loop index i (EAP runs P·steps iterations)
 * @param step        θ updates done after this iteration
 * @param phase       "model" (θ update) or "adversary" (π / embedding update)
 * @param target      the erased concept sampled this iteration
 * @param k           GenLatent grid index
 * @param t           timestep the UNets were queried at
 * @param losses      named loss values ("loss", "erase", "preserve", …)
 * @param adversarial the sampled adversarial/preserved concept ("" when none)
 * @param pi          softmax(π) of the target's concept after this iteration (EAP), else empty
 */
public record StepRecord(int iteration, int step, String phase, String target, int k, int t,
                         Map<String, Double> losses, String adversarial, double[] pi) {
}
