/**
 * File writing that never leaves a half-written file: write to a temporary sibling, then move into
 * place; {@link dev.erasure.io.Finite}, the check of every floating-point setting; and
 * {@link dev.erasure.io.Records}, the record copy used by every wither of the configuration records
 * ({@code Records.with(this, "seed", s)}: no wither restates the component list). Layer: the bottom; imports nothing of the project, so every other package may use it.
 */
package dev.erasure.io;
