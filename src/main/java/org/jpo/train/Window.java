package org.jpo.train;

import java.util.LinkedHashMap;
import java.util.Map;

/** Running sums of metrics over the micro-batches since the last log line (saved in checkpoints so a resume logs the same means). */
final class Window {
    final LinkedHashMap<String, Double> sums = new LinkedHashMap<>();
    long count, tokens;
    double seconds;

    void add(Map<String, Double> metrics, long batchTokens) {
        metrics.forEach((k, v) -> sums.merge(k, v, Double::sum));
        count++;
        tokens += batchTokens;
    }

    Map<String, Double> means() {
        Map<String, Double> m = new LinkedHashMap<>();
        sums.forEach((k, v) -> m.put(k, v / Math.max(1, count)));
        return m;
    }

    void reset() {
        sums.clear();
        count = tokens = 0;
        seconds = 0;
    }
}
