package org.jpo.feedback;

import java.util.ArrayList;
import java.util.List;

/**
 * A rule that checks one completion on its own: 1.0 when it holds, 0.0 when it does not (or a fraction in between
 * where the verifier says so), missing when the rule cannot be applied to this prompt (e.g. no reference answer).
 * Each verifier is a record whose components are its config keys, so a {@code feedback:} list in a config file binds
 * them with {@link org.jpo.config.Binder} ({@link FeedbackItem}).
 */
public sealed interface Verifier extends Scorer, ScorerConfig
        permits MathVerifier, RegexVerifier, ContainsVerifier, AvoidsVerifier, LengthVerifier, JsonVerifier, CodeVerifier {

    /** The verdict on one completion; {@code ref} goes into {@link Score#completionRef}. */
    Score verify(String ref, ScoreInput input, String completion);

    /** A verifier holds no resources: it is its own scorer. */
    @Override default Scorer open(ScorerContext context) { return this; }

    /** A verifier judges each completion alone. */
    @Override default boolean pairwise() { return false; }

    @Override default List<Score> score(ScoreInput input, List<String> completions) {
        List<Score> out = new ArrayList<>(completions.size());
        for (int i = 0; i < completions.size(); i++) out.add(verify(String.valueOf(i), input, completions.get(i)));
        return out;
    }

    /**
     * One verdict per (input, completion) pair, in order, {@code ref} i for the i-th: rows that each hold their own
     * prompt ({@code jpo score}). One after another by default; {@link CodeVerifier} runs its programs in parallel.
     */
    default List<Score> verifyEach(List<ScoreInput> inputs, List<String> completions) {
        if (inputs.size() != completions.size()) {
            throw new IllegalArgumentException(inputs.size() + " inputs for " + completions.size() + " completions");
        }
        List<Score> out = new ArrayList<>(completions.size());
        for (int i = 0; i < completions.size(); i++) out.add(verify(String.valueOf(i), inputs.get(i), completions.get(i)));
        return out;
    }
}
