package org.jpo.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * The terminal view of a run: one line per logging step on standard error, with the step, the main metrics
 * and an ETA; on a console the line is redrawn in place.
 */
final class Progress {
    private final long total, start;
    private final long t0 = System.nanoTime();
    private final boolean console = System.console() != null;

    Progress(long total, long start) {
        this.total = total;
        this.start = start;
    }

    void update(long step, Map<String, Double> m) {
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double eta = step > start ? elapsed / (step - start) * (total - step) : 0;
        int width = 20, filled = (int) (width * step / Math.max(1, total));
        StringBuilder sb = new StringBuilder();
        sb.append('[').append("#".repeat(filled)).append(" ".repeat(width - filled)).append("] ");
        sb.append(String.format("step %d/%d", step, total));
        for (String k : new String[] {"loss", "rewards/accuracies", "rewards/margins", "accuracy", "kl"}) {
            if (m.containsKey(k)) sb.append(String.format("  %s %.4f", k, m.get(k)));
        }
        sb.append(String.format("  lr %.2e  %.0f tok/s  ETA %s", m.getOrDefault("learning_rate", 0.0),
                m.getOrDefault("tokens_per_second", 0.0), clock(eta)));
        System.err.print(console ? "\r" + sb : sb + "\n");
        System.err.flush();
    }

    void finish(Path model) {
        System.err.printf("%sdone in %s; model saved to %s%n", console ? "\n" : "", clock((System.nanoTime() - t0) / 1e9), model);
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
