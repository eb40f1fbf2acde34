/**
 * Charts and images from plain tables and arrays: XChart charts (histograms, Pareto fronts, sensitivity
 * and sweep charts), image grids, PNG writing, summary statistics. Layer: a leaf; imports no other
 * package of the project (it draws Tablesaw tables, not the types that made them).
 */
package dev.erasure.viz;
