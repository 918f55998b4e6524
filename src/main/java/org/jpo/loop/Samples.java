package org.jpo.loop;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.Progress;
import org.jpo.feedback.Feedback;
import org.jpo.feedback.Score;
import org.jpo.feedback.ScoreInput;
import org.jpo.io.Jsonl;
import org.jpo.sampling.Completion;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.Sampler;
import org.jpo.sampling.SamplingParams;
import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Completions as JSONL rows ({@code samples.jsonl}, {@code eval_samples.jsonl}): each row points back at its prompt
 * and carries what regenerates it (its seed) and what it was trained or judged on (its token ids), then its scores.
 */
final class Samples {
    private Samples() {}

    /**
     * {@code params.n()} completions of each prompt; {@code policy} names whose ("current" or "initial") and
     * {@code firstIndex} numbers them ({@code sample_index} = firstIndex + j), so the initial policy's samples of a
     * prompt never share an index with the current one's.
     */
    static List<ObjectNode> draw(Sampler sampler, List<Prompts.Row> prompts, SamplingParams params, Tokenizer tok, String policy,
            int firstIndex, boolean greedy) {
        List<Prompt> ps = prompts.stream().map(p -> new Prompt(p.index(), p.ids())).toList();
        Map<Integer, Prompts.Row> byIndex = new LinkedHashMap<>();
        for (Prompts.Row p : prompts) byIndex.put(p.index(), p);
        List<ObjectNode> rows = new ArrayList<>();
        for (Completion c : sampler.sample(ps, params)) {
            Prompts.Row p = byIndex.get(c.promptIndex());
            ObjectNode o = Jsonl.JSON.createObjectNode();
            o.put("prompt_id", p.id());
            o.put("prompt_index", p.index());
            o.put("policy", policy);
            o.put("greedy", greedy);
            o.put("sample_index", firstIndex + c.sampleIndex());
            o.put("prompt", p.text());
            o.put("completion", tok.decodeContinuation(p.ids(), c.tokenIds()));
            ArrayNode ids = o.putArray("completion_ids");
            for (int id : c.tokenIds()) ids.add(id);
            o.put("finish_reason", c.finish().wireName());
            o.put("tokens", c.tokenIds().length);
            if (c.hasLogps()) o.put("logp", c.logp());
            else o.putNull("logp");   // a server that sent no log-probs
            o.put("seed", c.seed());
            rows.add(o);
        }
        return rows;
    }

    /**
     * Scores every row in place: {@code score} (the weighted sum, null when missing), {@code missing_reason},
     * and per scorer {@code scores} and {@code details}. Rows of one prompt are scored together.
     */
    static void score(List<ObjectNode> rows, Map<String, Prompts.Row> prompts, Feedback feedback) {
        Map<String, List<ObjectNode>> byPrompt = new LinkedHashMap<>();
        for (ObjectNode r : rows) byPrompt.computeIfAbsent(r.get("prompt_id").asText(), k -> new ArrayList<>()).add(r);
        try (Progress progress = Progress.start("score", "completions", rows.size(), 0)) {
            int done = 0;
            for (var e : byPrompt.entrySet()) {
                Prompts.Row p = prompts.get(e.getKey());
                List<String> texts = e.getValue().stream().map(r -> r.get("completion").asText()).toList();
                List<Feedback.Scored> scored = feedback.score(new ScoreInput(p.text(), p.row()), texts);
                for (int i = 0; i < texts.size(); i++) put(e.getValue().get(i), scored.get(i));
                progress.update(done += texts.size(), "");
            }
        }
    }

    private static void put(ObjectNode row, Feedback.Scored s) {
        if (s.isMissing()) row.putNull("score");
        else row.put("score", s.value());
        if (s.isMissing()) row.put("missing_reason", s.missingReason());
        if (s.std() != null) row.put("score_std", s.std());
        ObjectNode scores = row.putObject("scores"), details = row.putObject("details");
        for (Score part : s.parts()) {
            if (part.isMissing()) scores.putNull(part.scorer());
            else scores.put(part.scorer(), part.value());
            if (part.details() != null) details.put(part.scorer(), part.details());
            if (part.std() != null) row.with("stds").put(part.scorer(), part.std());
            if (!part.stats().isEmpty()) {
                ObjectNode st = row.with("stats").putObject(part.scorer());
                part.stats().forEach(st::put);
            }
        }
    }

    /** A row's score spread ({@code score_std}), 0 when its score is a single value. */
    static double std(ObjectNode row) { return row.path("score_std").isNumber() ? row.get("score_std").doubleValue() : 0; }

    /** A row's combined score, null when missing. */
    static Double score(ObjectNode row) { return row.path("score").isNumber() ? row.get("score").doubleValue() : null; }

    static int[] ids(ObjectNode row, String field) {
        int[] out = new int[row.get(field).size()];
        for (int i = 0; i < out.length; i++) out[i] = row.get(field).get(i).intValue();
        return out;
    }
}
