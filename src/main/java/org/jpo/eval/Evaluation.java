package org.jpo.eval;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.feedback.Feedback;
import org.jpo.dist.Shards;
import org.jpo.feedback.ScoredRows;
import org.jpo.model.LogProbs;
import org.jpo.model.SequenceBatch;
import org.jpo.model.Transformer;
import org.jpo.sampling.PromptRow;
import org.jpo.sampling.SampleRow;
import org.jpo.sampling.Sampler;
import org.jpo.sampling.Samples;
import org.jpo.sampling.SamplingParams;
import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.jpo.tensor.Tensors.toDoubles;

/**
 * The held-out evaluation of one policy: a greedy and {@code sampled.n()} sampled completions per prompt, scored by the
 * run's feedback, with their log-probs under the policy and the starting policy (for the KL estimate).
 *
 * @param sampled the eval's sampling: the same seeds every round, so each round's samples are compared with the
 *                starting policy's on common random numbers
 */
public record Evaluation(Tokenizer tok, Feedback feedback, List<PromptRow> prompts, SamplingParams sampled, double passThreshold) {

    /** The completions as eval_samples.jsonl rows, and eval.json. */
    public record Result(List<SampleRow> rows, EvalResult metrics) {}

    /** @param baseRows the starting policy's eval rows (round 0's), or null when this is round 0 */
    public Result run(Sampler sampler, Transformer model, Transformer initial, List<SampleRow> baseRows) {
        return run(sampler, model, initial, baseRows, Shards.SINGLE);
    }

    /**
     * Several ranks: each samples, scores and measures its share of the prompts; every rank gets all the rows, in the
     * order one process makes them (greedy rows, then sampled ones, each by prompt).
     */
    public Result run(Sampler sampler, Transformer model, Transformer initial, List<SampleRow> baseRows, Shards shards) {
        List<PromptRow> mine = shards.mine(prompts);
        List<SampleRow> rows = new ArrayList<>(Samples.draw(sampler, mine, SamplingParams.greedy(sampled.maxNewTokens()), tok,
                SampleRow.Policy.CURRENT, 0, true));
        rows.addAll(Samples.draw(sampler, mine, sampled, tok, SampleRow.Policy.CURRENT, 0, false));
        Map<String, PromptRow> byId = new LinkedHashMap<>();
        mine.forEach(p -> byId.put(p.id(), p));
        rows = withLogps(ScoredRows.score(rows, byId, feedback), byId, model, initial);
        if (shards.world() > 1) {
            List<SampleRow> all = new ArrayList<>(shards.gather(rows.stream().filter(SampleRow::greedy).toList(), SampleRow.class, "gathering greedy eval rows"));
            all.addAll(shards.gather(rows.stream().filter(x -> !x.greedy()).toList(), SampleRow.class, "gathering sampled eval rows"));
            rows = all;
        }
        List<EvalSample> now = samples(rows);
        Map<String, Double> summary = feedback.summarize(rows.stream().filter(x -> !x.greedy()).toList());
        return new Result(rows, EvalMetrics.of(now, baseRows == null ? now : samples(baseRows), passThreshold, summary));
    }

    /** log π(y|x) and log π₀(y|x) of each row's completion, by full forwards (16 rows at a time). */
    private List<SampleRow> withLogps(List<SampleRow> rows, Map<String, PromptRow> byId, Transformer model, Transformer initial) {
        List<SampleRow> out = new ArrayList<>(rows.size());
        for (int from = 0; from < rows.size(); from += 16) {
            List<SampleRow> batch = rows.subList(from, Math.min(rows.size(), from + 16));
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                SequenceBatch b = SequenceBatch.of(batch.stream().map(x -> byId.get(x.promptId()).ids()).toList(),
                        batch.stream().map(SampleRow::completionIds).toList(), tok.padId());
                double[] policy = toDoubles(LogProbs.of(model, b).sum()), start = toDoubles(LogProbs.of(initial, b).sum());
                for (int i = 0; i < batch.size(); i++) out.add(batch.get(i).withLogps(policy[i], start[i]));
            }
        }
        return out;
    }

    private static List<EvalSample> samples(List<SampleRow> rows) {
        return rows.stream().map(x -> new EvalSample(x.promptId(), x.greedy(), x.sampleIndex(), x.score(), x.tokens(), x.logpPolicy(),
                x.logpInitial())).toList();
    }
}
