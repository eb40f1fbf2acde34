/**
 * The papers' external judges as their reference code runs them: NudeNet (ONNX Runtime) with its
 * own image loading and OpenCV resize, the nudity rate, the ImageNet classifier (torchvision ResNet
 * with its PIL preprocessing), LPIPS (alex), the FID Inception with both preprocessings, FID
 * statistics and distance (EJML). Part of the eval layer; imports only the layers below it (and
 * eval's image type and PIL resampler).
 */
package dev.erasure.eval.judge;
