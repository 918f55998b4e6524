package org.jpo.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.io.Jsonl;
import org.jpo.io.RunDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import static org.jpo.eval.Html.esc;

/**
 * {@code report.html} for a {@code jpo run} directory: one self-contained file (uPlot, styles, data and glue all
 * inlined) that opens offline. Written after every round, so it shows whatever rounds and files exist.
 */
public final class Report {
    static final String UPLOT = "/META-INF/resources/webjars/uplot/1.6.30/dist/";

    private Report() {}

    /** Reads {@code runDir} and writes {@code runDir/report.html} via a temporary file and an atomic rename. */
    public static void write(Path runDir) {
        RunView run = new RunView(runDir);
        RunDir.writeText(run.dir.file(RunDir.REPORT), html(run));
    }

    static String html(RunView run) {
        List<Charts.Chart> eval = Charts.eval(run), train = Charts.train(run);
        Charts.Chart margins = Charts.margins(run), timings = Charts.timings(run);
        List<Charts.Chart> charts = new ArrayList<>(eval);
        charts.addAll(train);
        if (margins != null) charts.add(margins);
        if (timings != null) charts.add(timings);
        String name = esc(run.dir.root().toAbsolutePath().normalize().getFileName() + "");
        return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>jpo run " + name + "</title>\n"
                + "<style>\n" + resource(UPLOT + "uPlot.min.css") + "\n</style>\n<style>\n" + resource("report.css") + "</style>\n"
                + "</head>\n<body>\n" + header(run, name)
                + section("eval", "Held-out evaluation", divs(eval) + Tables.eval(run))
                + section("train", "Training curves", train.isEmpty() ? none("No train/metrics.jsonl yet.") : divs(train))
                + section("pairs", "Pairs", run.lastRound() < 1 ? none("No training round yet.")
                        : Tables.tiedCallout(run) + Tables.counts(run) + Tables.tree(run) + Tables.advantages(run) + (margins == null ? none("No pair margins (no pairs.jsonl, or unpaired rows).") : divs(List.of(margins))))
                + section("scorers", "Scorers", run.rounds.tailMap(1).values().stream().noneMatch(r -> r.scorers() != null)
                        ? none("No scored round yet.") : Tables.scorers(run))
                + section("time", "Time per phase (seconds)", timings == null ? none("No timings yet.") : Tables.timings(run) + divs(List.of(timings)))
                + section("examples", "Example completions (greedy, held-out prompts)", Tables.examples(run))
                + "<script type=\"application/json\" id=\"data\">" + data(run, charts) + "</script>\n"
                + script(resource(UPLOT + "uPlot.iife.min.js")) + script(resource("report.js"))
                + "</body>\n</html>\n";
    }

    private static String header(RunView run, String name) {
        int last = run.lastRound();
        String rounds = last < 0 ? "No round evaluated yet." : last == 0 ? "Round 0 (the starting policy) evaluated; no round finished yet."
                : last + (last == 1 ? " round" : " rounds") + " finished, after round 0 (the starting policy).";
        StringBuilder b = new StringBuilder("<header>\n<h1>jpo run <code>" + name + "</code></h1>\n<p>" + rounds + "</p>\n");
        for (String n : run.notes) b.append("<p class=\"note\">").append(esc(n)).append("</p>\n");
        String config = run.config();
        b.append(config == null ? none("No config.resolved.yaml.")
                : "<details><summary>Resolved config</summary><pre>" + esc(config) + "</pre></details>\n");
        return b.append("</header>\n").toString();
    }

    static String section(String id, String title, String body) {
        return "<section id=\"" + id + "\">\n<h2>" + esc(title) + "</h2>\n" + body + "</section>\n";
    }

    /** The placeholders report.js draws the charts into. */
    private static String divs(List<Charts.Chart> charts) {
        StringBuilder b = new StringBuilder("<div class=\"charts\">");
        for (Charts.Chart c : charts) b.append("<div class=\"chart\" id=\"").append(esc(c.id())).append("\"></div>");
        return b.append("</div>\n").toString();
    }

    static String none(String text) { return "<p class=\"none\">" + esc(text) + "</p>\n"; }

    private static String data(RunView run, List<Charts.Chart> charts) {
        return json(new Data(run.dir.root().getFileName() + "", run.lines.values(), charts));
    }

    /**
     * {@code data} as the JSON of a {@code <script type="application/json">} block. Every '<' becomes \u003c (JSON.parse
     * reads it back unchanged): escaping only "</" would still let a completion holding "<!--<script" switch the HTML
     * parser into a state where the block never ends.
     */
    static String json(Object data) {
        try {
            return Jsonl.ROWS.writeValueAsString(data).replace("<", "\\u003c");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The data block: the run's name, its rounds.jsonl lines as written, the charts. */
    private record Data(String run, Collection<JsonNode> rounds, List<Charts.Chart> charts) {}

    static String script(String code) {
        if (code.toLowerCase(Locale.ROOT).contains("</script")) throw new IllegalStateException("inlined script contains </script");
        return "<script>\n" + code + "\n</script>\n";
    }

    /** A classpath resource: the WebJar's files by absolute path, report.js and report.css next to this class. */
    static String resource(String name) {
        try (InputStream in = Report.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource not on the classpath: " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
