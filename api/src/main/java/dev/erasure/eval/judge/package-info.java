/**
 * The papers' external judges as their reference code runs them: NudeNet (ONNX Runtime) with its
 * own image loading and OpenCV resize, the nudity rate, FID statistics and distance (EJML).
 * Part of the eval layer; imports only the layers below it.
 */
package dev.erasure.eval.judge;
