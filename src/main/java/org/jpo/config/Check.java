package org.jpo.config;

import java.nio.file.Files;
import java.nio.file.Path;

/** Range checks for config records; each failure names the key and the bad value. */
public final class Check {
    private Check() {}

    public static void positive(String key, double v) {
        if (!(v > 0) || Double.isInfinite(v)) throw new ConfigError(key, key + " must be a finite number > 0, got " + v);
    }

    public static void nonNegative(String key, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new ConfigError(key, key + " must be a finite number >= 0, got " + v);
    }

    public static void atLeast(String key, long v, long min) {
        if (v < min) throw new ConfigError(key, key + " must be >= " + min + ", got " + v);
    }

    /** lo ≤ v ≤ hi, or lo ≤ v &lt; hi when {@code openHi}. */
    public static void within(String key, double v, double lo, double hi, boolean openHi) {
        boolean ok = v >= lo && (openHi ? v < hi : v <= hi);
        if (!ok) throw new ConfigError(key, key + " must be in [" + fmt(lo) + ", " + fmt(hi) + (openHi ? ")" : "]") + ", got " + v);
    }

    /** An input that must exist before any work starts. */
    public static void exists(String key, Path p, boolean file) {
        if (!Files.exists(p)) throw new ConfigError(key, key + ": no such file or directory: " + p);
        if (file && !Files.isRegularFile(p)) throw new ConfigError(key, key + ": not a file: " + p);
    }

    private static String fmt(double v) { return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v); }
}
