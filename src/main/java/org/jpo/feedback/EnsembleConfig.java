package org.jpo.feedback;

import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.config.Tag;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code ensemble}: several scorers as one, their weighted mean with its spread. The spread is what
 * {@code pairs: {uncertainty_k: k}} reads to drop pairs the members disagree on (UPO, arXiv:2409.11212).
 */
@Tag(value = "ensemble", doc = "The weighted mean of member scorers and their standard deviation (for pairs.uncertainty_k).")
public record EnsembleConfig(
        @Key(required = true, doc = "The members, each {type: ..., weight: w, its keys}, at least two; the score is Σ w·s / Σ w, "
                + "missing if any member's is.") List<FeedbackItem> members) implements ScorerConfig {

    public EnsembleConfig {
        if (members == null || members.size() < 2) {
            throw new ConfigError("members", "an ensemble needs at least two members, got " + (members == null ? 0 : members.size()));
        }
        members = List.copyOf(members);
    }

    @Override public EnsembleScorer open(ScorerContext context) { return new EnsembleScorer(Feedback.open(members, context)); }

    @Override public List<String> rowFields() {
        Set<String> out = new LinkedHashSet<>();
        members.forEach(m -> out.addAll(m.scorer().rowFields()));
        return List.copyOf(out);
    }
}
