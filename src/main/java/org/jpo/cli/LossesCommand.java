package org.jpo.cli;

import org.jpo.loss.LossType;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/** {@code jpo losses}: the loss names a config may use, with kind, formula and paper. */
@Command(name = "losses", mixinStandardHelpOptions = true,
        description = "List the preference losses: name, kind, per-example formula, paper (arXiv id).")
public final class LossesCommand implements Callable<Integer> {
    @Override public Integer call() {
        print(System.out);
        return 0;
    }

    static void print(PrintStream out) {
        String[] header = {"name", "kind", "formula", "paper"};
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) width[i] = columns(header[i]);
        for (LossType t : LossType.values()) {
            String[] row = row(t);
            for (int i = 0; i < row.length; i++) width[i] = Math.max(width[i], columns(row[i]));
        }
        out.println(line(header, width));
        for (LossType t : LossType.values()) out.println(line(row(t), width));
        out.println();
        out.println("δ = ρ⁺ − ρ⁻, ρ = π − r (policy minus reference log-prob), R = β·ρ, π̄ = π/|y|; the README section Losses has the rest.");
        out.println("Listwise (pairs.strategy list): ψ_k the scores of a prompt's K completions (equal ψ are ties), ψ̄ their mean, "
                + "τ_i the rank of s_i, y_1 the best.");
    }

    private static String[] row(LossType t) { return new String[] {t.key, t.kind.label, t.formula, t.paper}; }

    /** Terminal columns of {@code s}: combining marks (the bar of δ̄, π̄) take none. */
    private static int columns(String s) {
        return (int) s.codePoints().filter(c -> Character.getType(c) != Character.NON_SPACING_MARK).count();
    }

    private static String line(String[] cells, int[] width) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            b.append(cells[i]);
            if (i < cells.length - 1) b.append(" ".repeat(width[i] - columns(cells[i]) + 2));
        }
        return b.toString();
    }
}
