/**
 * The command line ({@code ./erasure ...}): quickstart, ShapeWorld bench, grids. Layer: the top; imports
 * anything, imported by nothing.
 */
package dev.erasure.cli;
