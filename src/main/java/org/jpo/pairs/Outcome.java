package org.jpo.pairs;

import java.util.ArrayList;
import java.util.List;

/** The rows pairing made from one prompt (or a round of prompts, in prompt order) and its counts. */
public record Outcome(List<Pair> pairs, List<Labeled> labeled, List<SftTarget> sftTargets, List<Grouped> grouped, List<Ranked> ranked,
                      Counts counts) {
    public static final Outcome EMPTY = new Outcome(List.of(), List.of(), List.of(), List.of(), List.of(), Counts.ZERO);

    public Outcome {
        pairs = List.copyOf(pairs);
        labeled = List.copyOf(labeled);
        sftTargets = List.copyOf(sftTargets);
        grouped = List.copyOf(grouped);
        ranked = List.copyOf(ranked);
    }

    public Outcome plus(Outcome o) {
        return new Outcome(concat(pairs, o.pairs), concat(labeled, o.labeled), concat(sftTargets, o.sftTargets), concat(grouped, o.grouped),
                concat(ranked, o.ranked), counts.plus(o.counts));
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
