package org.jpo.feedback;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.UserError;
import org.jpo.model.LogProbs;
import org.jpo.model.SequenceBatch;
import org.jpo.model.Transformer;
import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

import static org.jpo.tensor.Tensors.toDoubles;

/**
 * r(x, y) = β·(log π(y|x) − log π_ref(y|x)) with π the run's policy at the time of the call and π_ref the reference it
 * owns. The completion is scored as the policy's tokenizer encodes its text after the prompt (the text does not say
 * whether the sample ended with EOS, so none is added). Rows longer than the context window are missing.
 */
public final class ImplicitRewardScorer implements Scorer, AutoCloseable {
    private final ScorerContext.Policy policy;
    private final Transformer reference;
    private final String name;
    private final double beta;
    private final int batchSize;

    ImplicitRewardScorer(ScorerContext.Policy policy, Transformer reference, String referenceName, double beta, int batchSize) {
        if (reference.config().vocabSize() != policy.model().get().config().vocabSize()) {
            int v = reference.config().vocabSize();
            reference.close();
            throw new UserError("implicit_reward: the reference " + referenceName + " has a vocabulary of " + v
                    + " but the policy's is " + policy.model().get().config().vocabSize());
        }
        this.policy = policy;
        this.reference = reference;
        this.name = "implicit_reward:" + referenceName;
        this.beta = beta;
        this.batchSize = batchSize;
    }

    @Override public String name() { return name; }

    @Override public List<Score> score(ScoreInput input, List<String> completions) {
        Tokenizer tok = policy.tokenizer();
        Transformer model = policy.model().get();
        int[] prompt = tok.encode(input.prompt(), true);
        int window = Math.min(model.config().contextLimit(), reference.config().contextLimit());
        Score[] out = new Score[completions.size()];
        List<int[]> fit = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < completions.size(); i++) {
            int[] y = tok.encodeContinuation(input.prompt(), prompt, completions.get(i), true);
            if (y.length == 0) out[i] = Score.missing(String.valueOf(i), name, "the completion has no tokens");
            else if (prompt.length + y.length > window) {
                out[i] = Score.missing(String.valueOf(i), name, (prompt.length + y.length) + " tokens exceed the context window of " + window);
            } else {
                fit.add(y);
                at.add(i);
            }
        }
        for (int from = 0; from < fit.size(); from += batchSize) {
            List<int[]> ys = fit.subList(from, Math.min(fit.size(), from + batchSize));
            double[] r = rewards(model, prompt, ys, tok.padId());
            for (int j = 0; j < r.length; j++) out[at.get(from + j)] = Score.of(String.valueOf(at.get(from + j)), name, r[j]);
        }
        return List.of(out);
    }

    private double[] rewards(Transformer model, int[] prompt, List<int[]> ys, int pad) {
        List<int[]> ps = ys.stream().map(y -> prompt).toList();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            double[] lp = toDoubles(LogProbs.of(model, SequenceBatch.of(ps, ys, pad)).sum());        // [B]
            double[] ref = toDoubles(LogProbs.of(reference, SequenceBatch.of(ps, ys, pad)).sum());   // [B]
            for (int i = 0; i < lp.length; i++) lp[i] = beta * (lp[i] - ref[i]);
            return lp;
        }
    }

    @Override public void close() { reference.close(); }
}
