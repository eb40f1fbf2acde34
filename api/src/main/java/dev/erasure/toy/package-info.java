/**
 * ShapeWorld: the toy world of drawn shapes, its dataset, the tiny SD-architecture model trained on it,
 * its classifier, and the bench that erases and judges there. Layer: above sweep; imports it, the facade
 * and everything below.
 */
package dev.erasure.toy;
