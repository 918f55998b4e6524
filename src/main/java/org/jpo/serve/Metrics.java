package org.jpo.serve;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counters in Prometheus' text format; {@code jpo_batches_total} < requests shows that batching happened. */
final class Metrics {
    /** The endpoints counted by name; anything else counts as "other", so clients cannot grow the label set. */
    static final List<String> ENDPOINTS = List.of("/v1/completions", "/v1/chat/completions", "/v1/models", "/v1/load",
            "/health", "/metrics");

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> errors = new ConcurrentHashMap<>();
    final LongAdder batches = new LongAdder();
    final LongAdder rows = new LongAdder();
    final LongAdder tokens = new LongAdder();
    final LongAdder loads = new LongAdder();
    final LongAdder loadFailures = new LongAdder();

    /** The endpoint label of a request path. */
    static String endpoint(String path) { return ENDPOINTS.contains(path) ? path : "other"; }

    void request(String endpoint) { requests.computeIfAbsent(endpoint, k -> new LongAdder()).increment(); }

    void error(int status) { errors.computeIfAbsent(status, k -> new LongAdder()).increment(); }

    /** The text {@code GET /metrics} answers; {@code pending} is the number of rows waiting for a batch. */
    String text(int pending) {
        StringBuilder s = new StringBuilder();
        s.append("# HELP jpo_requests_total HTTP requests received, by endpoint.\n# TYPE jpo_requests_total counter\n");
        for (var e : new TreeMap<>(requests).entrySet()) {
            s.append("jpo_requests_total{endpoint=\"").append(e.getKey()).append("\"} ").append(e.getValue().sum()).append('\n');
        }
        s.append("# HELP jpo_errors_total Requests answered with an error, by status.\n# TYPE jpo_errors_total counter\n");
        for (var e : new TreeMap<>(errors).entrySet()) {
            s.append("jpo_errors_total{status=\"").append(e.getKey()).append("\"} ").append(e.getValue().sum()).append('\n');
        }
        counter(s, "jpo_batches_total", "Continuous batches run (each lasts while rows keep arriving).", batches.sum());
        counter(s, "jpo_rows_total", "Rows (prompt x sample) decoded.", rows.sum());
        counter(s, "jpo_generated_tokens_total", "Tokens generated, including those of rows whose client left.", tokens.sum());
        counter(s, "jpo_load_total", "Checkpoints switched to by POST /v1/load.", loads.sum());
        counter(s, "jpo_load_failures_total", "POST /v1/load requests that kept the old model.", loadFailures.sum());
        s.append("# HELP jpo_pending_rows Rows waiting for a batch.\n# TYPE jpo_pending_rows gauge\njpo_pending_rows ")
                .append(pending).append('\n');
        return s.toString();
    }

    private static void counter(StringBuilder s, String name, String help, long value) {
        s.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(value).append('\n');
    }
}
