/** Tensor building blocks shared by the modules (linear, conv, norms, activations, resampling) on DJL NDArrays. Layer: sd. */
package dev.erasure.sd.nn;
