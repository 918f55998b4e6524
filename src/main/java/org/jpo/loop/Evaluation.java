package org.jpo.loop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.Seeds;
import org.jpo.eval.EvalMetrics;
import org.jpo.eval.EvalSample;
import org.jpo.feedback.Feedback;
import org.jpo.model.LogProbs;
import org.jpo.model.SequenceBatch;
import org.jpo.model.Transformer;
import org.jpo.sampling.Sampler;
import org.jpo.sampling.SamplingParams;
import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.jpo.tensor.Tensors.toDoubles;

/**
 * The held-out evaluation of one policy: a greedy and {@code eval.samples} sampled completions per prompt, scored
 * by the run's feedback, with their log-probs under the policy and the starting policy (for the KL estimate).
 */
record Evaluation(LoopConfig c, Tokenizer tok, Feedback feedback, List<Prompts.Row> prompts) {

    /** The completions as eval_samples.jsonl rows, and the eval.json keys. */
    record Result(List<ObjectNode> rows, Map<String, Double> metrics) {}

    /** @param baseRows the starting policy's eval rows (round 0's), or null when this is round 0 */
    Result run(Sampler sampler, Transformer model, Transformer initial, List<ObjectNode> baseRows) {
        var s = c.sampling();
        List<ObjectNode> rows = new ArrayList<>(Samples.draw(sampler, prompts, SamplingParams.greedy(s.maxNewTokens()), tok, "current", 0, true));
        // the same seeds every round: each round's samples are compared with the starting policy's on common random numbers
        SamplingParams params = new SamplingParams(c.eval().samples(), s.maxNewTokens(), s.temperature(), s.topK(), s.topP(), false,
                Seeds.of(c.seed(), 0xE7A1L, 1));
        rows.addAll(Samples.draw(sampler, prompts, params, tok, "current", 0, false));
        Map<String, Prompts.Row> byId = new LinkedHashMap<>();
        prompts.forEach(p -> byId.put(p.id(), p));
        Samples.score(rows, byId, feedback);
        putLogps(rows, byId, model, "logp_policy");
        putLogps(rows, byId, initial, "logp_initial");
        List<EvalSample> now = samples(rows);
        return new Result(rows, EvalMetrics.of(now, baseRows == null ? now : samples(baseRows), c.eval().passThreshold()));
    }

    /** log π(y|x) of each row's completion under {@code model}, by a full forward (16 rows at a time). */
    private void putLogps(List<ObjectNode> rows, Map<String, Prompts.Row> byId, Transformer model, String field) {
        for (int from = 0; from < rows.size(); from += 16) {
            List<ObjectNode> batch = rows.subList(from, Math.min(rows.size(), from + 16));
            List<int[]> p = batch.stream().map(x -> byId.get(x.get("prompt_id").asText()).ids()).toList();
            List<int[]> y = batch.stream().map(x -> Samples.ids(x, "completion_ids")).toList();
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                double[] lp = toDoubles(LogProbs.of(model, SequenceBatch.of(p, y, tok.padId())).sum());
                for (int i = 0; i < batch.size(); i++) batch.get(i).put(field, lp[i]);
            }
        }
    }

    private static List<EvalSample> samples(List<ObjectNode> rows) {
        return rows.stream().map(x -> new EvalSample(x.get("prompt_id").asText(), x.get("greedy").booleanValue(), x.get("sample_index").intValue(),
                Samples.score(x), x.get("tokens").intValue(), x.get("logp_policy").doubleValue(), x.get("logp_initial").doubleValue())).toList();
    }
}
