package org.jpo.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.jpo.eval.ReportTest.count;
import static org.jpo.eval.ReportTest.data;
import static org.jpo.eval.ReportTest.dataText;
import static org.junit.jupiter.api.Assertions.*;

/** compare.html on {@link FakeSweep}: its tables, its chart data, escaping, and its rendering in headless chromium. */
class CompareReportTest {
    /** FakeSweep's eval keys (all of FakeRun's but none missing): a band chart and a dot chart each. */
    static final int KEYS = 7;

    @TempDir Path dir;

    private String html() throws Exception {
        Path out = dir.resolve("compare.html");
        Comparison.of(List.of(FakeSweep.write(dir.resolve("sweep"))), null).writeHtml(out);
        assertFalse(Files.exists(dir.resolve("compare.html.tmp")));
        return Files.readString(out);
    }

    @Test void tablesShowTheNumbersTheTerminalShows() throws Exception {
        String html = html();
        assertTrue(html.contains("<tr><td class=\"name\">eval/greedy_pass_rate</td><td>final</td><td class=\"name\">ipo</td><td>3</td><td>0.7</td>"
                + "<td>[0.4516, 0.9484]</td><td>+0.1</td><td>3</td><td>[-0.1484, 0.3484]</td><td>0.2254</td></tr>"), html);
        assertTrue(html.contains("<td class=\"name\">sigmoid</td><td>3</td><td>0.6</td><td>[0.3516, 0.8484]</td><td class=\"name\">baseline</td>"));
        assertTrue(html.contains("<td class=\"name\">eval/mean_score</td><td>final</td><td class=\"name\">sft</td><td>2</td><td>0.31</td>"
                + "<td>[0.31, 0.31]</td><td class=\"sig\">-0.2</td>"), "an interval of Δ that excludes 0 is highlighted");
        assertTrue(html.contains("<tr><td class=\"name\">sft</td><td>2</td><td>251.6</td><td>0</td><td>650</td></tr>"), "costs");
        assertTrue(html.contains("<td class=\"name\">ipo</td><td>—</td><td class=\"none\" colspan=\"4\">not finished</td>"), "the unfinished run");
        assertTrue(html.contains("<p class=\"note\">ipo: " + dir.resolve("sweep/ipo/seed-3") + " has no rounds.jsonl yet"), "its note");
        assertTrue(html.contains(Html.esc(CompareTable.METHOD)), "the method");
        assertTrue(html.contains("<td class=\"name\">eval/greedy_pass_rate</td><td>1</td><td class=\"name\">sigmoid</td><td>3</td><td>0.45</td>"), "every round");
    }

    @Test void chartDataHoldsEachRecipesMeansIntervalsAndSeeds() throws Exception {
        JsonNode data = data(html());
        assertEquals("sigmoid", data.get("baseline").asText());
        JsonNode charts = data.get("charts");
        assertEquals(2 * KEYS, charts.size());
        JsonNode rounds = chart(charts, "band", "eval/greedy_pass_rate (mean, 95% interval)");
        assertEquals(List.of(0.0, 1.0, 2.0), numbers(rounds.get("x")));
        JsonNode sigmoid = rounds.get("series").get(1), sft = rounds.get("series").get(2);
        assertEquals("sigmoid", sigmoid.get("label").asText());
        assertEquals(1, sigmoid.get("color").asInt(), "the recipe's index");
        assertNumbers(List.of(0.3, 0.45, 0.6), sigmoid.get("y"));
        // round 1: {0.4, 0.5, 0.45}, sd 0.05: ± t_{0.975,2} · 0.05/√3; round 2: ± 0.248414; round 0: all 0.3
        assertNumbers(List.of(0.3, 0.45 - 0.124207, 0.6 - 0.248414), sigmoid.get("lo"));
        assertNumbers(List.of(0.3, 0.45 + 0.124207, 0.6 + 0.248414), sigmoid.get("hi"));
        assertEquals("[0.65,null,null]", sft.get("y").toString(), "an eval-only recipe has round 0 only");

        JsonNode seeds = chart(charts, "dots", "eval/greedy_pass_rate, final round: every seed");
        assertEquals("[\"ipo\",\"sigmoid\",\"sft\"]", seeds.get("ticks").toString());
        assertEquals(List.of(-0.25, 0.0, 0.25, 0.75, 1.0, 1.25, 1.75, 2.0, 2.25), numbers(seeds.get("x")));
        assertEquals("[0.6,0.8,0.7,null,null,null,null,null,null]", seeds.get("series").get(0).get("y").toString(), "ipo's seeds 0, 1, 2");
        assertEquals("[null,null,null,null,null,null,0.55,null,0.75]", seeds.get("series").get(2).get("y").toString(), "sft's seeds 0, 1");
        JsonNode mean = seeds.get("series").get(3);
        assertEquals("mean", mean.get("label").asText());
        assertEquals("[null,0.7,null,null,0.6,null,null,0.65,null]", rounded(mean.get("y")).toString().replace(" ", ""), "at x = 0, 1, 2");
    }

    @Test void isSelfContainedAndEscapesRecipeNames() throws Exception {
        FakeSweep.write(dir.resolve("sweep"));
        Path nasty = FakeRun.seeded(dir.resolve("x<script><b>&\"q\""), 0, 0.3, 0.9);
        Comparison.of(List.of(dir.resolve("sweep"), nasty), null).writeHtml(dir.resolve("compare.html"));
        String html = Files.readString(dir.resolve("compare.html"));
        assertFalse(Pattern.compile("(?i)(src|href)\\s*=\\s*[\"']?\\s*(https?:)?//").matcher(html).find(), "no remote src/href");
        assertFalse(html.contains("<link"), "no linked stylesheets");
        assertTrue(html.contains(Report.resource(Report.UPLOT + "uPlot.iife.min.js")), "uPlot inlined");
        assertTrue(html.contains(Report.resource("report.css")) && html.contains(Report.resource("compare.css")), "styles inlined");
        assertEquals(3, count(html, "</script>"), "the data block, uPlot and the glue, nothing else");
        assertFalse(html.contains("<b>&"), "the name is escaped");
        assertTrue(html.contains("<td class=\"name\">x&lt;script&gt;&lt;b&gt;&amp;&quot;q&quot;</td>"));
        assertFalse(dataText(html).contains("<"));
        assertEquals("x<script><b>&\"q\"", data(html).get("recipes").get(3).asText());
    }

    @Test void headlessChromiumDrawsEveryChartAndNamesEveryRecipe() throws Exception {
        String dom = ReportTest.dumpDom(dir, html());
        ReportTest.assertNoError(dom);
        assertTrue(dom.contains("data-charts=\"" + 2 * KEYS + "\""), "data-charts in " + ReportTest.bodyTag(dom));
        assertEquals(2 * KEYS, count(dom, "class=\"uplot"), "uPlot roots in the DOM");
        for (String recipe : List.of("ipo", "sigmoid", "sft")) {
            assertEquals(2 * KEYS, count(dom, "<div class=\"u-label\">" + recipe + "</div>"), recipe + " in every chart's legend");
        }
        assertEquals(KEYS * 3 * 2, count(dom, "style=\"display: none;\""), "each recipe's two band edges hidden from each band chart's legend");
    }

    private static JsonNode chart(JsonNode charts, String kind, String title) {
        for (JsonNode c : charts) if (c.get("kind").asText().equals(kind) && c.get("title").asText().equals(title)) return c;
        throw new AssertionError("no " + kind + " chart '" + title + "' in " + charts);
    }

    private static List<Double> numbers(JsonNode a) {
        List<Double> out = new ArrayList<>();
        a.forEach(v -> out.add(v.isNull() ? null : v.asDouble()));
        return out;
    }

    private static List<Double> rounded(JsonNode a) {
        return numbers(a).stream().map(v -> v == null ? null : Math.round(v * 1e9) / 1e9).toList();
    }

    /** To 1e-6, as the hand-computed half-widths are. */
    private static void assertNumbers(List<Double> expected, JsonNode actual) {
        assertEquals(expected.size(), actual.size(), actual.toString());
        for (int i = 0; i < expected.size(); i++) assertEquals(expected.get(i), actual.get(i).asDouble(), 1e-6, actual.toString());
    }
}
