package dev.erasure.io;

/**
 * The one check every floating-point setting of the API goes through at the moment it is set: NaN or
 * ∞ (a typo, a parse of "inf", a division by zero upstream) would otherwise train NaN weights or
 * draw black images, far from where the number came in. The message names the setting.
 */
public final class Finite {
    private Finite() {
    }

    /** {@code value}, or an IllegalArgumentException "NAME must be a finite number, got NaN". */
    public static double require(String name, double value) {
        if (!Double.isFinite(value)) throw new IllegalArgumentException(name + " must be a finite number, got " + value);
        return value;
    }
}
