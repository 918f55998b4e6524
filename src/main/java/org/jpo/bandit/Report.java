package org.jpo.bandit;

import org.jpo.io.RunDir;

import java.io.IOException;
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

    /** The files {@link #write} writes for {@code e} in {@code dir}: {@code <id>.csv}, {@code <id>.svg}, {@code <id>.txt}. */
    public static List<Path> files(Experiment e, Path dir) {
        return List.of(dir.resolve(e.id() + ".csv"), dir.resolve(e.id() + ".svg"), dir.resolve(e.id() + ".txt"));
    }

    /** Writes {@link #files} (each through a temporary name); returns their paths. */
    public static List<Path> write(ExperimentResult r, String text, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> f = files(r.experiment(), dir);
        RunDir.writeText(f.get(0), r.table().toCsv());
        RunDir.writeText(f.get(1), r.plot().toSvg());
        RunDir.writeText(f.get(2), text);
        return f;
    }
}
