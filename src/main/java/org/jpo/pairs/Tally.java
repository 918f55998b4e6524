package org.jpo.pairs;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One prompt's rows and counts while {@link PairBuilder} makes them. */
final class Tally {
    private final String promptId;
    private final Strategy strategy;
    private final List<Pair> pairs = new ArrayList<>();
    private final List<Labeled> labeled = new ArrayList<>();
    private final List<SftTarget> sft = new ArrayList<>();
    private final List<Grouped> grouped = new ArrayList<>();
    private final List<Ranked> ranked = new ArrayList<>();
    private final double uncertaintyK;
    private int samples, missing, ties, belowMargin, belowThreshold, reversed, allTied, tooFew, uncertain;

    /** @param uncertaintyK drop a pair whose gap is within this many standard deviations of it; 0 = keep all */
    Tally(String promptId, Strategy strategy, double uncertaintyK) {
        this.promptId = promptId;
        this.strategy = strategy;
        this.uncertaintyK = uncertaintyK;
    }

    /** Counts {@code s} as read; its scored samples. */
    List<Sample> read(List<Sample> s) {
        List<Sample> scored = s.stream().filter(Sample::scored).toList();
        samples += s.size();
        missing += s.size() - scored.size();
        return scored;
    }

    /** Whether {@code s} has at least {@code min} samples and, if two or more, not all of one score (else counted). */
    boolean contested(List<Sample> s, int min) {
        if (s.size() < min) {
            tooFew++;
            return false;
        }
        if (s.size() >= 2 && s.stream().allMatch(x -> x.score() == s.get(0).score().doubleValue())) {
            allTied++;
            return false;
        }
        return true;
    }

    /**
     * Whether {@code s} has at least {@code min} samples (else counted). An all-tied prompt is counted but still
     * yields rows: KTO labels and SFT targets need no contrast (with a 0/1 verifier, all-correct prompts are exactly
     * what rejection-sampling fine-tuning trains on).
     */
    boolean enough(List<Sample> s, int min) {
        if (s.size() < min) {
            tooFew++;
            return false;
        }
        if (s.size() >= 2 && s.stream().allMatch(x -> x.score() == s.get(0).score().doubleValue())) allTied++;
        return true;
    }

    Tally pair(Sample chosen, Sample rejected) { return pair(chosen, rejected, Optional.empty(), Optional.empty()); }

    /**
     * A pair, or a counted tie (equal scores), reversal (chosen below rejected) or uncertain pair: one whose gap is
     * within k standard deviations of the gap, k·sqrt(σ_c² + σ_r²) (UPO, arXiv:2409.11212: a preference the
     * scorers' own spread cannot tell from noise is left out).
     */
    Tally pair(Sample chosen, Sample rejected, Optional<Double> chosenWinProb, Optional<Double> rejectedWinProb) {
        double margin = chosen.score() - rejected.score();
        if (margin == 0) ties++;
        else if (margin < 0) reversed++;
        else if (margin <= uncertaintyK * Math.hypot(chosen.std(), rejected.std())) uncertain++;
        else pairs.add(new Pair(promptId, chosen.index(), rejected.index(), margin, chosenWinProb, rejectedWinProb, strategy));
        return this;
    }

    /**
     * {@code round_robin}: a pair with the scorer's P(chosen ≻ rejected) &gt;= ½, kept whatever P (a tie too) and whatever
     * the two samples' scores (with intransitive preferences the preferred sample can have the lower mean win rate).
     */
    Tally preference(Sample chosen, Sample rejected, double p) {
        pairs.add(new Pair(promptId, chosen.index(), rejected.index(), 2 * p - 1, Optional.empty(), Optional.empty(), strategy, Optional.of(p)));
        return this;
    }

    Tally label(Sample s, boolean desirable) {
        labeled.add(new Labeled(promptId, s.index(), desirable));
        return this;
    }

    Tally sft(Sample s) {
        sft.add(new SftTarget(promptId, s.index()));
        return this;
    }

    /** Every sample of {@code s} (two or more) with its advantage by {@code kind}. */
    Tally group(List<Sample> s, Advantages.Kind kind) {
        double[] r = s.stream().mapToDouble(Sample::score).toArray();
        double[] a = Advantages.of(kind, r);
        double mean = Advantages.mean(r), std = Advantages.std(r);
        for (int i = 0; i < r.length; i++) grouped.add(new Grouped(promptId, s.get(i).index(), r[i], a[i], r.length, mean, std));
        return this;
    }

    /** The samples {@code best} (best first, two or more, not all tied) as one ranked list. */
    Tally ranked(List<Sample> best) {
        ranked.add(new Ranked(promptId, best.stream().map(Sample::index).toList(), best.stream().map(Sample::score).toList()));
        return this;
    }

    Tally tie() { ties++; return this; }

    Tally belowMargin() { belowMargin++; return this; }

    Tally belowThreshold() { belowThreshold++; return this; }

    Tally tooFew() { tooFew++; return this; }

    Outcome outcome() {
        Counts c = new Counts(1, samples, missing, pairs.size(), labeled.size(), sft.size(), ties, belowMargin, belowThreshold,
                reversed, allTied, tooFew, uncertain, grouped.size(), ranked.size());
        return new Outcome(pairs, labeled, sft, grouped, ranked, c);
    }
}
