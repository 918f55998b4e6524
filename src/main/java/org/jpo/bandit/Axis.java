package org.jpo.bandit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Maps data values to pixels on one axis of a {@link LinePlot} and chooses its ticks. */
record Axis(LinePlot.Scale scale, double lo, double hi, double pixelLo, double pixelHi) {
    /** The axis covering every drawable value of {@code data}, from pixel {@code p0} (low) to {@code p1} (high). */
    static Axis fit(LinePlot.Scale scale, List<double[]> data, double p0, double p1) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double[] values : data) {
            for (double v : values) {
                if (!Double.isFinite(v) || (scale == LinePlot.Scale.LOG && v <= 0)) continue;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (lo > hi) { lo = scale == LinePlot.Scale.LOG ? 1 : 0; hi = lo * 10 + 1; }
        if (scale == LinePlot.Scale.LOG && hi / lo >= 100) {
            lo = Math.pow(10, Math.floor(Math.log10(lo)));
            hi = Math.pow(10, Math.ceil(Math.log10(hi)));
        } else if (scale == LinePlot.Scale.LOG) {
            if (lo == hi) { lo /= 2; hi *= 2; }   // under two decades: the data range itself, 1-2-5 ticks
        } else {
            if (lo == hi) { lo -= 1; hi += 1; }
            double step = niceStep(hi - lo);
            lo = Math.floor(lo / step) * step;
            hi = Math.ceil(hi / step) * step;
        }
        return new Axis(scale, lo, hi, p0, p1);
    }

    boolean drawable(double v) { return Double.isFinite(v) && (scale == LinePlot.Scale.LINEAR || v > 0); }

    double pixel(double v) {
        double f = scale == LinePlot.Scale.LOG
                ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
                : (v - lo) / (hi - lo);
        return pixelLo + f * (pixelHi - pixelLo);
    }

    /** Log axis: decades (every other one past 8), or 1-2-5 under two decades; linear axis: 1-2-5 steps. */
    List<Double> ticks() {
        List<Double> ticks = new ArrayList<>();
        if (scale == LinePlot.Scale.LOG && hi / lo >= 100 - 1e-9) {
            int decades = (int) Math.round(Math.log10(hi / lo));
            int every = decades > 8 ? 2 : 1;
            for (int d = 0; d <= decades; d += every) ticks.add(lo * Math.pow(10, d));
        } else if (scale == LinePlot.Scale.LOG) {
            for (double decade = Math.pow(10, Math.floor(Math.log10(lo))); decade <= hi; decade *= 10) {
                for (double m : new double[] {1, 2, 5}) {
                    double t = m * decade;
                    if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.add(t);
                }
            }
        } else {
            double step = niceStep(hi - lo);
            for (double t = lo; t <= hi + step / 2; t += step) ticks.add(Math.abs(t) < step / 1e6 ? 0 : t);
        }
        return ticks;
    }

    /** About six ticks: 1, 2 or 5 times a power of ten. */
    static double niceStep(double range) {
        double raw = range / 6;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
    }

    static String label(double v) {
        if (v == 0) return "0";
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) return String.format(Locale.ROOT, "%.6g", v).replaceAll("\\.?0+$", "");
        return String.format(Locale.ROOT, "%.0e", v);
    }
}
