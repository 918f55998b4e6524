package org.jpo.feedback;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.UserError;
import org.jpo.model.RewardModel;
import org.jpo.model.SequenceBatch;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.jpo.tensor.Tensors.toDoubles;

/**
 * Scores completions with a trained {@link RewardModel}: r(prompt, completion), tokenized as training data
 * is (see {@link #tokens}), batched, without gradient.
 *
 * <p>Owns the model and the tokenizer it is given: {@link #close()} frees both.
 */
public final class RewardModelScorer implements Scorer, AutoCloseable {
    private final RewardModel model;
    private final Tokenizer tokenizer;
    private final int batchSize;
    private final String name;

    /** Prompt ids (at least one, BOS first if the tokenizer has one) and completion ids (EOS last if it has one). */
    public record Tokens(int[] prompt, int[] completion) {
        public int length() { return prompt.length + completion.length; }
    }

    public RewardModelScorer(RewardModel model, Tokenizer tokenizer, int batchSize, String name) {
        ModelScorers.check(batchSize, tokenizer, model.config().vocabSize(), "reward model", name);
        this.model = model;
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
        this.name = name;
    }

    /** The reward model in {@code dir} with its own tokenizer, or the one named. */
    public static RewardModelScorer open(Path dir, Optional<Path> tokenizerPath, int batchSize) {
        return ModelScorers.open(dir, tokenizerPath, "reward model", "--tokenizer", RewardModel.load(dir),
                (model, tok) -> new RewardModelScorer(model, tok, batchSize, "reward_model:" + dir));
    }

    @Override public String name() { return name; }

    /**
     * The training-data convention: the prompt is encoded with the model's special tokens, the completion is
     * what the joint encoding of prompt + completion adds after the longest prefix it shares with the prompt's
     * encoding (so a token merged across the boundary belongs to the completion), and EOS closes it when the
     * tokenizer has one and the encoding does not already end with it. Rows longer than the model's context
     * window, or with no token at all, are a {@link UserError}.
     */
    public Tokens tokens(String prompt, String completion) {
        int[] p = tokenizer.encode(prompt, true), joint = tokenizer.encode(prompt + completion, true);
        int k = commonPrefix(p, joint);
        int[] head = Arrays.copyOf(joint, k), tail = Arrays.copyOfRange(joint, k, joint.length);
        int eos = tokenizer.eosId().orElse(-1);
        if (eos >= 0 && (joint.length == 0 || joint[joint.length - 1] != eos)) {
            tail = Arrays.copyOf(tail, tail.length + 1);
            tail[tail.length - 1] = eos;
        }
        if (head.length == 0) {   // no BOS and an empty prompt: the first completion token becomes the context
            if (tail.length == 0) throw new UserError("prompt and completion are both empty and the tokenizer has no BOS or EOS");
            head = Arrays.copyOf(tail, 1);
            tail = Arrays.copyOfRange(tail, 1, tail.length);
        }
        Tokens t = new Tokens(head, tail);
        int window = model.config().contextLimit();
        if (t.length() > window) {
            throw new UserError(t.length() + " tokens (prompt " + head.length + ", completion " + tail.length
                    + ") exceed the reward model's context window of " + window);
        }
        return t;
    }

    /** r(x, y) per row, in order, in batches of the configured size. */
    public double[] rewards(List<Tokens> rows) {
        double[] out = new double[rows.size()];
        for (int from = 0; from < rows.size(); from += batchSize) {
            List<Tokens> chunk = rows.subList(from, Math.min(rows.size(), from + batchSize));
            double[] r = batch(chunk);
            System.arraycopy(r, 0, out, from, r.length);
        }
        return out;
    }

    private double[] batch(List<Tokens> rows) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            // pad with 0, a valid id: right padding never reaches a real token, so its value is irrelevant
            SequenceBatch batch = SequenceBatch.of(rows.stream().map(Tokens::prompt).toList(),
                    rows.stream().map(Tokens::completion).toList(), 0);
            return toDoubles(model.rewards(batch));
        }
    }

    /** Too-long completions and non-finite rewards come back as missing scores with the reason. */
    @Override public List<Score> score(ScoreInput input, List<String> completions) {
        String prompt = input.prompt();
        List<Tokens> fit = new ArrayList<>();
        List<Integer> fitIndex = new ArrayList<>();
        Score[] out = new Score[completions.size()];
        for (int i = 0; i < completions.size(); i++) {
            try {
                fit.add(tokens(prompt, completions.get(i)));
                fitIndex.add(i);
            } catch (UserError e) {
                out[i] = Score.missing(String.valueOf(i), name, e.getMessage());
            }
        }
        double[] r = rewards(fit);
        for (int j = 0; j < r.length; j++) {
            String ref = String.valueOf(fitIndex.get(j));
            out[fitIndex.get(j)] = Double.isFinite(r[j]) ? Score.of(ref, name, r[j]) : Score.missing(ref, name, "reward is " + r[j]);
        }
        return List.of(out);
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length), k = 0;
        while (k < n && a[k] == b[k]) k++;
        return k;
    }

    @Override public void close() {
        tokenizer.close();
        model.close();
    }
}
