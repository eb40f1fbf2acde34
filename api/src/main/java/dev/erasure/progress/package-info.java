/**
 * Progress reports and cooperative cancellation of long runs (tasks, listeners, cancellation).
 * Layer: a leaf; imports no other package of the project, every package may import it.
 */
package dev.erasure.progress;
