package org.jpo.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.io.Jsonl;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class ReportTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir Path dir;

    private String report() throws Exception {
        Report.write(FakeRun.write(dir, 3));
        assertFalse(Files.exists(dir.resolve("report.html.tmp")));
        return Files.readString(dir.resolve("report.html"));
    }

    @Test void showsEveryRoundsNumbersAndTheAllTiedCount() throws Exception {
        String html = report();
        assertTrue(html.contains("3 rounds finished"), "header");
        // eval table: round 3 mean score 0.61, round 1 mean length 5.2 + 1/3 to 4 digits, round 3 KL 3 * 0.04321
        for (String cell : List.of("<td>0.61</td>", "<td>5.533</td>", "<td>0.1296</td>", "<td>0.31</td>", "<td>0.65</td>"))
            assertTrue(html.contains(cell), cell);
        // counts: all_tied highlighted with its share of the 64 prompts, and the callout for the last round
        assertTrue(html.contains("<td class=\"tied\">20 (31%)</td>") && html.contains("<td class=\"tied\">12 (19%)</td>"), "all_tied cells");
        assertTrue(html.contains("Round 3: <b>12 of 64 prompts were all-tied</b>"), "callout");
        assertTrue(html.contains("<td><b>49.6</b></td>"), "round 1 total seconds 13.3 + 0.4 + 1.2 + 31.5 + 3.2");
        assertTrue(html.contains("&lt;b&gt;not bold&lt;/b&gt;"), "config escaped");
    }

    @Test void showsEachScorersNumbersAndAgreementPerRound() throws Exception {
        String html = report();
        String scorers = html.substring(html.indexOf("<section id=\"scorers\">"), html.indexOf("<section id=\"time\">"));
        // round 2: math mean 0.25 + 0.25; the judge's unparsed 14 and position-bias rate; agreement 0.625 + 0.125
        assertTrue(scorers.contains("<tr><td>2</td><td class=\"name\">math</td><td>500</td><td>12</td><td>0.5</td><td>0.5</td><td>—</td><td>—</td><td>—</td><td>—</td><td>—</td></tr>"), scorers);
        assertTrue(scorers.contains("<td class=\"name\">pairwise_judge:policy</td><td>480</td><td>32</td><td>0.5</td><td>0.2</td><td>—</td><td>14</td><td>0.375</td>"), scorers);
        assertTrue(scorers.contains("<tr><td>2</td><td>math vs pairwise_judge:policy</td><td>900</td><td>0.75</td></tr>"), scorers);
        // a pointwise judge's spread of its k judgments and its distribution of verdicts
        assertTrue(scorers.contains("<td class=\"name\">judge:policy</td><td>400</td><td>112</td><td>2.5</td><td>1</td><td>0.75</td><td>130</td><td>—</td><td>0:100 3:570 5:400</td>"), scorers);
        // a preference game's one-hot kind counts, per completion: the samples' kind distribution
        assertTrue(scorers.contains("<td>—</td><td>kind_1:0.5 kind_2:0.5 kind_3:0 kind_other:0</td></tr>"), scorers);
    }

    @Test void escapesCompletionsSoTheyCannotBreakThePage() throws Exception {
        String html = report();
        assertTrue(html.contains("<pre>19&lt;/script&gt;&lt;b&gt;x &amp; &quot;q&quot; &lt;!--&lt;script&gt;</pre>"), "escaped completion");
        assertFalse(html.contains(FakeRun.NASTY));
        assertFalse(html.contains("<b>x"));
        assertEquals(3, count(html, "</script>"), "the data block, uPlot and the glue, nothing else");
        assertTrue(html.contains("<th>round 0 (start)</th><th>round 1</th><th>round 3</th>"), "example columns");
        assertTrue(html.contains("score missing") || html.contains("score 1"), "scores shown");
        assertFalse(dataText(html).contains("<"), "'<' in the data block could open <!--<script> and never end it");
        assertEquals(FakeRun.NASTY, data(html).get("rounds").get(3).get("note").asText());
    }

    @Test void isSelfContainedWithUPlotAndTheDataInlined() throws Exception {
        String html = report();
        assertFalse(Pattern.compile("(?i)(src|href)\\s*=\\s*[\"']?\\s*(https?:)?//").matcher(html).find(), "no remote src/href");
        assertFalse(html.contains("<link"), "no linked stylesheets");
        assertTrue(html.contains(Report.resource(Report.UPLOT + "uPlot.iife.min.js")), "uPlot's code inlined");
        assertTrue(html.contains("var uPlot=function(){\"use strict\";"));
        assertTrue(html.contains(".uplot, .uplot *, .uplot *::before, .uplot *::after {box-sizing: border-box;}"), "uPlot's css inlined");
        JsonNode data = data(html);
        assertEquals(4, data.get("rounds").size());
        assertEquals(0.61, data.get("rounds").get(3).get("eval/mean_score").asDouble(), 1e-12);
        assertEquals(expectedCharts(3), data.get("charts").size());
    }

    @Test void marginHistogramCountsEveryPairInSharedBins() throws Exception {
        JsonNode margins = null;
        for (JsonNode c : data(report()).get("charts")) if (c.get("id").asText().equals("margins")) margins = c;
        assertNotNull(margins);
        assertEquals(Charts.BINS + 1, margins.get("x").size());
        assertEquals(0.5, margins.get("x").get(0).asDouble(), 1e-12); // margins are 0.5 and 1.0
        for (int r = 1; r <= 3; r++) {
            JsonNode y = margins.get("series").get(r - 1).get("y");
            int n = 40 + 4 * r, halves = (n + 2) / 3; // pairs i % 3 == 0 have margin 0.5
            assertEquals(halves, y.get(0).asInt(), "round " + r);
            assertEquals(n - halves, y.get(Charts.BINS - 1).asInt(), "round " + r);
            assertEquals(0, y.get(Charts.BINS).asInt());
        }
    }

    @Test void partialRunWithOnlyRoundZeroWritesAReport() throws Exception {
        Jsonl.write(dir.resolve("rounds.jsonl"), List.of(FakeRun.round(0)));
        Jsonl.write(dir.resolve("round-000/eval_samples.jsonl"), FakeRun.evalSamples(0));
        Report.write(dir);
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("Round 0 (the starting policy) evaluated; no round finished yet."));
        assertTrue(html.contains("No train/metrics.jsonl yet.") && html.contains("No training round yet."));
        assertTrue(html.contains("No config.resolved.yaml."));
        assertFalse(html.contains("class=\"note\""), "a missing optional file is not a problem to note");
        assertTrue(html.contains("<th>round 0 (start)</th></tr>"));
        assertEquals(expectedCharts(0), data(html).get("charts").size());
    }

    @Test void roundWithoutPairsOrMetricsAndAHalfWrittenLineStillReport() throws Exception {
        FakeRun.write(dir, 2);
        Files.delete(dir.resolve("round-002/pairs.jsonl"));
        Files.delete(dir.resolve("round-001/train/metrics.jsonl"));
        Files.delete(dir.resolve("round-002/eval_samples.jsonl"));
        Files.writeString(dir.resolve("rounds.jsonl"), Files.readString(dir.resolve("rounds.jsonl")) + "{\"round\": 3, \"eval/me");
        Report.write(dir);
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("rounds.jsonl:4: skipped (invalid JSON"), "the bad line is noted");
        assertTrue(html.contains("2 rounds finished"));
        assertEquals(1, count(html, "class=\"note\""), "only the bad line is noted, not the missing files");
        JsonNode loss = data(html).get("charts").get(5);
        assertEquals("loss", loss.get("title").asText());
        assertEquals("round 2", loss.get("series").get(0).get("label").asText(), "round 1 has no metrics");
        assertEquals(1, loss.get("series").size());
    }

    @Test void emptyDirectoryReportsNothingYet() throws Exception {
        Report.write(dir);
        assertTrue(Files.readString(dir.resolve("report.html")).contains("No round evaluated yet."));
    }

    @Test void headlessChromiumDrawsEveryChart() throws Exception {
        String dom = dumpDom(dir, report());
        assertNoError(dom);
        assertTrue(dom.contains("data-charts=\"" + expectedCharts(3) + "\""), "data-charts in " + bodyTag(dom));
        assertEquals(expectedCharts(3), count(dom, "class=\"uplot"), "uPlot roots in the DOM");
    }

    @Test void headlessChromiumDrawsAPartialRun() throws Exception {
        Jsonl.write(dir.resolve("rounds.jsonl"), List.of(FakeRun.round(0)));
        Report.write(dir);
        String dom = dumpDom(dir, Files.readString(dir.resolve("report.html")));
        assertNoError(dom);
        assertTrue(dom.contains("data-charts=\"" + expectedCharts(0) + "\""), "data-charts in " + bodyTag(dom));
    }

    /** 5 eval charts; per training round loss, eval_loss, rewards/margins, rewards/accuracies; margins; timings. */
    private static int expectedCharts(int rounds) { return rounds == 0 ? 5 + 1 : 5 + 4 + 1 + 1; }

    static JsonNode data(String html) throws Exception { return Jsonl.JSON.readTree(dataText(html)); }

    static String dataText(String html) {
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"data\">(.*?)</script>", Pattern.DOTALL).matcher(html);
        assertTrue(m.find(), "data block");
        return m.group(1);
    }

    static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) n++;
        return n;
    }

    static void assertNoError(String dom) {
        assertTrue(dom.contains("<body"), "no DOM dumped: " + dom);
        assertFalse(bodyTag(dom).contains("data-error"), "JS error: " + bodyTag(dom));
    }

    static String bodyTag(String dom) {
        int i = dom.indexOf("<body");
        return i < 0 ? dom : dom.substring(i, dom.indexOf('>', i) + 1);
    }

    /** The DOM after the page's scripts ran, from headless chromium (files in dir); skipped without chromium unless CI=true. */
    static String dumpDom(Path dir, String html) throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            if ("true".equals(System.getenv("CI"))) fail(CHROMIUM + " is missing; .ci/run installs it");
            Assumptions.abort(CHROMIUM + " not installed (apt-get install chromium); skipping the rendering check");
        }
        Path page = dir.resolve("render.html"), out = dir.resolve("dom.html");
        Files.writeString(page, html);
        Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
        Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--window-size=1200,3000", "--dump-dom",
                page.toUri().toString())
                .redirectOutput(out.toFile()).redirectError(dir.resolve("chromium.log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail("chromium did not finish in 60 s");
        }
        assertEquals(0, p.exitValue(), () -> "chromium failed: " + readQuietly(dir.resolve("chromium.log")));
        return Files.readString(out);
    }

    private static String readQuietly(Path f) {
        try { return Files.readString(f); } catch (Exception e) { return e.toString(); }
    }
}
