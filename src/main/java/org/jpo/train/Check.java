package org.jpo.train;

/** Range checks for config records; each failure names the config key and the bad value. */
final class Check {
    private Check() {}

    static void positive(String key, double v) {
        if (!(v > 0) || Double.isInfinite(v)) throw new ConfigError(key, key + " must be a finite number > 0, got " + v);
    }

    static void nonNegative(String key, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new ConfigError(key, key + " must be a finite number >= 0, got " + v);
    }

    static void atLeast(String key, long v, long min) {
        if (v < min) throw new ConfigError(key, key + " must be >= " + min + ", got " + v);
    }

    /** lo ≤ v ≤ hi, or lo ≤ v &lt; hi when {@code openHi}. */
    static void within(String key, double v, double lo, double hi, boolean openHi) {
        boolean ok = v >= lo && (openHi ? v < hi : v <= hi);
        if (!ok) throw new ConfigError(key, key + " must be in [" + fmt(lo) + ", " + fmt(hi) + (openHi ? ")" : "]") + ", got " + v);
    }

    private static String fmt(double v) { return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v); }
}
