package org.jpo.bandit;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class ReportTest {
    @Test void tableFormatsTextAndCsv() {
        Table t = new Table("budget", "mean", "verdict").row(16, 0.5, "meet").row(1024, 1.0e-5, "online better");
        assertEquals("budget,mean,verdict\n16,0.5,meet\n1024,1.0E-5,online better\n", t.toCsv());
        assertEquals("""
                budget       mean        verdict
                    16     0.5000           meet
                  1024  1.000e-05  online better
                """, t.toText());
        assertThrows(IllegalArgumentException.class, () -> t.row(1, 2));
    }

    @Test void niceTicks() {
        assertEquals(1, Axis.niceStep(6), 1e-12);
        assertEquals(0.5, Axis.niceStep(2.5), 1e-12);
        assertEquals(200, Axis.niceStep(1000), 1e-12);
        Axis linear = Axis.fit(LinePlot.Scale.LINEAR, List.of(new double[] {0.3, 4.7}), 0, 100);
        assertEquals(List.of(0.0, 1.0, 2.0, 3.0, 4.0, 5.0), linear.ticks());
        assertEquals(20, linear.pixel(1), 1e-12);
        Axis log = Axis.fit(LinePlot.Scale.LOG, List.of(new double[] {0.003, 0.5, -1}), 100, 0);
        assertEquals(List.of(1e-3, 1e-2, 1e-1, 1.0), log.ticks());
        assertEquals(100 - 100.0 / 3, log.pixel(1e-2), 1e-9);
        assertFalse(log.drawable(0));
        Axis budgets = Axis.fit(LinePlot.Scale.LOG, List.of(new double[] {16, 1024}), 0, 100);
        assertEquals(List.of(20.0, 50.0, 100.0, 200.0, 500.0, 1000.0), budgets.ticks());
        assertEquals(0, budgets.pixel(16), 1e-9);
        assertEquals(100, budgets.pixel(1024), 1e-9);
        assertEquals("0.5", Axis.label(0.5));
        assertEquals("1000", Axis.label(1000));
        assertEquals("1e-05", Axis.label(1e-5));
    }

    @Test void svgHasAxesTicksLegendAndOnePolylinePerUnbrokenRun() {
        LinePlot plot = new LinePlot("a <title>", "x", "y", LinePlot.Scale.LINEAR, LinePlot.Scale.LOG, List.of(
                LinePlot.Series.line("first", new double[] {1, 2, 3}, new double[] {1, 10, 100}),
                LinePlot.Series.line("gap", new double[] {1, 2, 3, 4}, new double[] {1, Double.NaN, 2, 3}),
                LinePlot.Series.level("target", 5, 1, 4)));
        String svg = plot.toSvg();
        assertTrue(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assertTrue(svg.endsWith("</svg>\n"));
        assertEquals(4, count(svg, "<polyline"), "first; gap broken at NaN into two runs; target");
        assertEquals(1, count(svg, "stroke-dasharray=\"6,4\" points"));
        assertTrue(svg.contains(">a &lt;title&gt;</text>"));
        for (String label : new String[] {">first<", ">gap<", ">target<", ">y (log)<", ">x<", ">100<", ">1<"}) {
            assertTrue(svg.contains(label), label);
        }
    }

    private static int count(String s, String part) {
        Matcher m = Pattern.compile(Pattern.quote(part)).matcher(s);
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    @Test void experimentsByCommandLineName() {
        assertEquals(Experiment.ONLINE_VS_OFFLINE, Experiment.byId("online-vs-offline"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Experiment.byId("IPO"));
        assertEquals("unknown experiment 'IPO', expected one of ipo-vs-dpo, kl-optimum, intransitive, "
                + "online-vs-offline, apo-momentum, group-estimators, nash-updates", e.getMessage());
    }
}
