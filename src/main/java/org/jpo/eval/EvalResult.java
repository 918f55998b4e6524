package org.jpo.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import org.jpo.io.Jsonl;

import java.util.LinkedHashMap;
import java.util.Map;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS;
import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY;

/**
 * {@code eval.json}: one round's held-out metrics under flat TRL-style keys (a contract), also the first keys of its
 * rounds.jsonl line. A mean over nothing (every score missing) is null. {@link EvalMetrics} says what each one is.
 */
@JsonInclude(ALWAYS)
public record EvalResult(
        @JsonProperty("eval/mean_score") Double meanScore,
        @JsonProperty("eval/pass_rate") Double passRate,
        @JsonProperty("eval/greedy_mean_score") Double greedyMeanScore,
        @JsonProperty("eval/greedy_pass_rate") Double greedyPassRate,
        @JsonProperty("eval/mean_length") Double meanLength,
        @JsonProperty("eval/kl_to_initial") Double klToInitial,
        @JsonProperty("eval/win_rate_vs_initial") Double winRateVsInitial,
        @JsonProperty("eval/missing") Double missing,
        @JsonProperty("eval/prompts") Double prompts,
        @JsonProperty("eval/feedback") @JsonInclude(NON_EMPTY) Map<String, Double> feedback) {

    /**
     * @param feedback what the run's scorers say about the sampled completions as a whole ({@link org.jpo.feedback.Scorer#summarize}),
     *                 e.g. a preference game's kind shares and exploitability, each listed as {@code eval/<key>}; empty for most runs
     */
    public EvalResult {
        feedback = feedback == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(feedback));
    }

    /**
     * Every key with its value, NaN for none, in file order, the scorers' summaries last as {@code eval/<key>}: what tables,
     * charts and early stopping look up by name.
     */
    public Map<String, Double> byKey() {
        Map<String, Object> all = Jsonl.ROWS.convertValue(this, new TypeReference<LinkedHashMap<String, Object>>() {});
        all.remove("eval/feedback");
        Map<String, Double> m = new LinkedHashMap<>();
        all.forEach((k, v) -> m.put(k, v == null ? Double.NaN : ((Number) v).doubleValue()));
        feedback.forEach((k, v) -> m.put("eval/" + k, v == null ? Double.NaN : v));
        return m;
    }

    /** The value of {@code key} (e.g. {@code eval/mean_score}), NaN when it has none. */
    public double get(String key) {
        Map<String, Double> all = byKey();
        if (!all.containsKey(key)) throw new IllegalArgumentException("no eval key " + key + " (keys: " + all.keySet() + ")");
        return all.get(key);
    }
}
