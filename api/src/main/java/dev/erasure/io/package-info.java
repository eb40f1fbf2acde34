/**
 * File writing that never leaves a half-written file: write to a temporary sibling, then move into
 * place; and {@link dev.erasure.io.Finite}, the check of every floating-point setting. Layer: the bottom; imports nothing of the project, so every other package may use it.
 */
package dev.erasure.io;
