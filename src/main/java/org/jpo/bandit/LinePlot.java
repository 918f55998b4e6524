package org.jpo.bandit;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line plot written as a self-contained SVG: axes with ticks, axis labels, a legend, one polyline per
 * series. Points that cannot be drawn (NaN, or ≤ 0 on a log axis) break the line.
 */
public record LinePlot(String title, String xLabel, String yLabel, Scale xScale, Scale yScale, List<Series> series) {
    public enum Scale { LINEAR, LOG }

    /**
     * One curve; {@code dashed} for reference lines such as a closed-form target. {@code color} indexes the
     * palette; −1 takes the series' own position, so curves that belong together can share a color.
     */
    public record Series(String name, double[] x, double[] y, boolean dashed, int color) {
        public Series {
            if (x.length != y.length) throw new IllegalArgumentException(name + ": " + x.length + " x values, " + y.length + " y values");
        }

        public static Series line(String name, double[] x, double[] y) { return new Series(name, x, y, false, -1); }

        /** A horizontal dashed line at {@code level} across [x0, x1]. */
        public static Series level(String name, double level, double x0, double x1) {
            return new Series(name, new double[] {x0, x1}, new double[] {level, level}, true, -1);
        }

        public Series dashed(int color) { return new Series(name, x, y, true, color); }

        public Series solid(int color) { return new Series(name, x, y, false, color); }
    }

    private static final int WIDTH = 760, HEIGHT = 460, LEFT = 80, RIGHT = 230, TOP = 40, BOTTOM = 60;
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

    public String toSvg() {
        Axis x = Axis.fit(xScale, series.stream().map(Series::x).toList(), LEFT, WIDTH - RIGHT);
        Axis y = Axis.fit(yScale, series.stream().map(Series::y).toList(), HEIGHT - BOTTOM, TOP);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        text(svg, WIDTH / 2.0 - RIGHT / 2.0, 22, title, "middle", 15, 0);
        axes(svg, x, y);
        for (int i = 0; i < series.size(); i++) polyline(svg, series.get(i), x, y, color(i));
        legend(svg);
        return svg.append("</svg>\n").toString();
    }

    private void axes(StringBuilder svg, Axis x, Axis y) {
        line(svg, LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM, "black");
        line(svg, LEFT, HEIGHT - BOTTOM, LEFT, TOP, "black");
        for (double t : x.ticks()) {
            double px = x.pixel(t);
            line(svg, px, HEIGHT - BOTTOM, px, HEIGHT - BOTTOM + 5, "black");
            line(svg, px, HEIGHT - BOTTOM, px, TOP, "#e8e8e8");
            text(svg, px, HEIGHT - BOTTOM + 18, Axis.label(t), "middle", 11, 0);
        }
        for (double t : y.ticks()) {
            double py = y.pixel(t);
            line(svg, LEFT - 5, py, LEFT, py, "black");
            line(svg, LEFT, py, WIDTH - RIGHT, py, "#e8e8e8");
            text(svg, LEFT - 8, py + 4, Axis.label(t), "end", 11, 0);
        }
        text(svg, (LEFT + WIDTH - RIGHT) / 2.0, HEIGHT - 15, xLabel + (xScale == Scale.LOG ? " (log)" : ""), "middle", 13, 0);
        text(svg, 18, (TOP + HEIGHT - BOTTOM) / 2.0, yLabel + (yScale == Scale.LOG ? " (log)" : ""), "middle", 13, -90);
    }

    private static void polyline(StringBuilder svg, Series s, Axis x, Axis y, String color) {
        List<String> run = new ArrayList<>();
        for (int i = 0; i <= s.x().length; i++) {
            boolean ok = i < s.x().length && x.drawable(s.x()[i]) && y.drawable(s.y()[i]);
            if (ok) run.add(String.format(Locale.ROOT, "%.1f,%.1f", x.pixel(s.x()[i]), y.pixel(s.y()[i])));
            if (!ok && !run.isEmpty()) {
                svg.append(String.format("<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\"/>%n",
                        color, s.dashed() ? " stroke-dasharray=\"6,4\"" : "", String.join(" ", run)));
                run.clear();
            }
        }
    }

    private void legend(StringBuilder svg) {
        double x0 = WIDTH - RIGHT + 15;
        for (int i = 0; i < series.size(); i++) {
            double y0 = TOP + 10 + 20 * i;
            Series s = series.get(i);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    + "stroke-width=\"2\"%s/>%n", x0, y0, x0 + 24, y0, color(i),
                    s.dashed() ? " stroke-dasharray=\"6,4\"" : ""));
            text(svg, x0 + 30, y0 + 4, s.name(), "start", 12, 0);
        }
    }

    private String color(int i) {
        int c = series.get(i).color() >= 0 ? series.get(i).color() : i;
        return COLORS[c % COLORS.length];
    }

    private static void line(StringBuilder svg, double x1, double y1, double x2, double y2, String color) {
        svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                x1, y1, x2, y2, color));
    }

    private static void text(StringBuilder svg, double x, double y, String s, String anchor, int size, int rotate) {
        String transform = rotate == 0 ? "" : String.format(Locale.ROOT, " transform=\"rotate(%d %.1f %.1f)\"", rotate, x, y);
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\"%s>%s</text>%n",
                x, y, anchor, size, transform, escape(s)));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
