package org.jpo.loss;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Weighted sums of paired losses: a sum containing any referenced loss is a {@link ReferencedSum}, one of
 * reference-free losses only is a {@link ReferenceFreeSum}. Unpaired, group and listwise losses are not summed (they
 * read different batches).
 */
public final class WeightedSum {
    private WeightedSum() {}

    /** The sum of {@code parts} with {@code weights}, typed by what it needs. */
    public static PreferenceLoss of(List<? extends PreferenceLoss> parts, List<Double> weights) {
        check(parts, weights);
        if (parts.stream().anyMatch(p -> p instanceof UnpairedLoss)) {
            throw new IllegalArgumentException("unpaired losses cannot be summed: " + names(parts));
        }
        if (parts.stream().anyMatch(p -> p instanceof GroupLoss || p instanceof ListLoss)) {
            throw new IllegalArgumentException("group and listwise losses cannot be summed: " + names(parts));
        }
        if (parts.stream().anyMatch(p -> p instanceof ReferencedLoss)) return new ReferencedSum(List.copyOf(parts), weights);
        List<ReferenceFreeLoss> free = new ArrayList<>();
        for (PreferenceLoss p : parts) free.add((ReferenceFreeLoss) p);
        return new ReferenceFreeSum(free, weights);
    }

    static void check(List<? extends PreferenceLoss> parts, List<Double> weights) {
        if (parts.isEmpty()) throw new IllegalArgumentException("a weighted sum needs at least one loss");
        if (parts.size() != weights.size()) {
            throw new IllegalArgumentException("weights has " + weights.size() + " entries but there are " + parts.size()
                    + " losses (" + names(parts) + ")");
        }
        for (Double w : weights) {
            if (w == null || !(w >= 0) || w.isInfinite()) {
                throw new IllegalArgumentException("weights must be finite and >= 0, got " + weights);
            }
        }
    }

    static String names(List<? extends PreferenceLoss> parts) {
        return parts.stream().map(PreferenceLoss::name).collect(Collectors.joining("+"));
    }
}
