package org.jpo.bandit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes an experiment's result as text (console and .txt), CSV and SVG. */
public final class Report {
    private Report() {}

    /** Setup, table and PASS/FAIL lines, as printed by {@code jpo bandit}. */
    public static String text(ExperimentResult r, long seed, double seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append("== ").append(r.experiment().id()).append(" ==\n");
        sb.append("setup: ").append(r.setup()).append('\n');
        sb.append(String.format(java.util.Locale.ROOT, "seed %d, %.1f s%n%n", seed, seconds));
        sb.append(r.table().toText()).append('\n');
        for (Claim c : r.claims()) sb.append(c).append('\n');
        return sb.toString();
    }

    /** {@code <id>.csv}, {@code <id>.svg} and {@code <id>.txt} in {@code dir}; returns the paths written. */
    public static List<Path> write(ExperimentResult r, String text, Path dir) throws IOException {
        Files.createDirectories(dir);
        String id = r.experiment().id();
        Path csv = dir.resolve(id + ".csv"), svg = dir.resolve(id + ".svg"), txt = dir.resolve(id + ".txt");
        Files.writeString(csv, r.table().toCsv(), StandardCharsets.UTF_8);
        Files.writeString(svg, r.plot().toSvg(), StandardCharsets.UTF_8);
        Files.writeString(txt, text, StandardCharsets.UTF_8);
        return List.of(csv, svg, txt);
    }
}
