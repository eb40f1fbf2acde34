/**
 * Sweeps: many erasure configurations run through the facade, measured with eval metrics, collected in
 * a results table (CSV). Layer: above the facade; imports it and everything below.
 */
package dev.erasure.sweep;
