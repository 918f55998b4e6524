package org.jpo.pairs;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A prompt and its K scored samples (plus, for {@code anchored}, the initial policy's samples), kept in index
 * order so that the input order never changes a result.
 */
public record PromptSamples(String promptId, List<Sample> samples) {
    public PromptSamples {
        if (promptId == null || promptId.isEmpty()) throw new IllegalArgumentException("prompt id must be a non-empty string");
        Set<Integer> seen = new HashSet<>();
        for (Sample s : samples) {
            if (!seen.add(s.index())) throw new IllegalArgumentException("prompt " + promptId + ": sample index " + s.index() + " given twice");
        }
        samples = samples.stream().sorted(Comparator.comparingInt(Sample::index)).toList();
    }

    /** The current policy's samples, scored or not. */
    List<Sample> current() { return samples.stream().filter(s -> !s.initial()).toList(); }

    /** The initial policy's samples, scored or not. */
    List<Sample> initial() { return samples.stream().filter(Sample::initial).toList(); }
}
