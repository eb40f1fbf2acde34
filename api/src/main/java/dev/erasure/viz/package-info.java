/**
 * Charts, tables and images from plain tables, records and arrays: XChart charts (histograms, Pareto
 * fronts, sensitivity and sweep charts), Tablesaw tables of Java records (a run's history), image grids,
 * PNG writing, summary statistics. Layer: a leaf; imports no other
 * package of the project (it draws Tablesaw tables, not the types that made them).
 */
package dev.erasure.viz;
