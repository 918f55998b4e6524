package org.jpo.pairs;

import org.jpo.sampling.FinishReason;
import org.jpo.sampling.SampleRow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/** A round's scored samples → its training rows ({@code pairs.jsonl}). */
public final class PairRows {
    private PairRows() {}

    /** The rows and what pairing counted. */
    public record Rows(List<PairRow> rows, Outcome outcome) {}

    public static Rows build(List<SampleRow> samples, PairsConfig config, long seed, int round, OptionalInt eos) {
        return build(samples, config, seed, round, eos, false);
    }

    /** @param winProbScores the scores are win probabilities (a pairwise judge's), which {@code sppo} takes as they are */
    public static Rows build(List<SampleRow> samples, PairsConfig config, long seed, int round, OptionalInt eos, boolean winProbScores) {
        return build(samples, config, seed, round, eos, winProbScores, Advantages.Kind.GRPO);
    }

    /**
     * @param advantages {@code group}: the estimator of the advantages (the round's loss_type's); nash_md's reads each policy
     *                   sample's win probability against its opponent ({@link Opponents}) from {@code win_probs}, and leaves
     *                   the opponents out (a pair whose preference is unknown is a missing score)
     */
    public static Rows build(List<SampleRow> samples, PairsConfig config, long seed, int round, OptionalInt eos, boolean winProbScores,
            Advantages.Kind advantages) {
        Map<String, List<SampleRow>> byPrompt = new LinkedHashMap<>();
        for (SampleRow s : samples) byPrompt.computeIfAbsent(s.promptId(), k -> new ArrayList<>()).add(s);
        PairBuilder builder = new PairBuilder(config, seed, winProbScores, advantages);
        Outcome all = Outcome.EMPTY;
        List<PairRow> rows = new ArrayList<>();
        for (var e : byPrompt.entrySet()) {
            Map<Integer, SampleRow> byIndex = new LinkedHashMap<>();
            List<Sample> ss = new ArrayList<>();
            boolean nashMd = advantages == Advantages.Kind.NASH_MD;
            int n = (int) e.getValue().stream().filter(s -> s.policy() == SampleRow.Policy.CURRENT).count();
            for (SampleRow s : e.getValue()) {
                byIndex.put(s.sampleIndex(), s);
                if (!nashMd) ss.add(new Sample(s.sampleIndex(), s.score(), s.tokens(), s.initial(), s.scoreStd(), s.winProbs()));
                else if (s.policy() == SampleRow.Policy.CURRENT) ss.add(Sample.of(s.sampleIndex(), winProb(s, Opponents.of(s.sampleIndex(), n)), s.tokens()));
            }
            Outcome o = builder.build(round, new PromptSamples(e.getKey(), ss));
            all = all.plus(o);
            for (Pair p : o.pairs()) rows.add(pair(p, byIndex.get(p.chosenIndex()), byIndex.get(p.rejectedIndex()), config.eos(), eos));
            for (Labeled l : o.labeled()) {
                SampleRow s = byIndex.get(l.index());
                rows.add(new PairRow.Labeled(s.promptId(), s.promptIndex(), s.prompt(), s.completion(), s.sampleIndex(), s.score(),
                        withEos(s, config.eos(), eos), l.desirable()));
            }
            for (SftTarget t : o.sftTargets()) {
                SampleRow s = byIndex.get(t.index());
                rows.add(new PairRow.Sft(s.promptId(), s.promptIndex(), s.prompt(), s.completion(), s.sampleIndex(), s.score(),
                        withEos(s, config.eos(), eos)));
            }
            for (Grouped g : o.grouped()) {
                SampleRow s = byIndex.get(g.index());
                rows.add(new PairRow.Group(s.promptId(), s.promptIndex(), s.prompt(), s.completion(), s.sampleIndex(), g.score(), g.advantage(),
                        g.groupSize(), g.groupMean(), g.groupStd(), withEos(s, config.eos(), eos), nashMd ? Opponents.of(s.sampleIndex(), n) : null));
            }
            for (Ranked r : o.ranked()) rows.add(ranked(r, r.indexes().stream().map(byIndex::get).toList(), config.eos(), eos));
        }
        return new Rows(rows, all);
    }

    /** P(s ≻ sample {@code other}) from s's win_probs; null (missing) when that pair is unknown. */
    private static Double winProb(SampleRow s, int other) {
        List<Double> w = s.winProbs();
        return w == null || other >= w.size() ? null : w.get(other);
    }

    private static PairRow pair(Pair p, SampleRow chosen, SampleRow rejected, PairsConfig.Eos rule, OptionalInt eos) {
        return new PairRow.Preference(chosen.promptId(), chosen.promptIndex(), chosen.prompt(), chosen.completion(), rejected.completion(),
                p.chosenIndex(), p.rejectedIndex(), chosen.score(), rejected.score(), p.margin(), p.chosenWinProb().orElse(null),
                p.rejectedWinProb().orElse(null), withEos(chosen, rule, eos), withEos(rejected, rule, eos), p.preference().orElse(null));
    }

    private static PairRow ranked(Ranked r, List<SampleRow> s, PairsConfig.Eos rule, OptionalInt eos) {
        SampleRow first = s.get(0);
        return new PairRow.Ranked(first.promptId(), first.promptIndex(), first.prompt(), s.stream().map(SampleRow::completion).toList(),
                r.scores().stream().mapToDouble(Double::doubleValue).toArray(), r.indexes().stream().mapToInt(Integer::intValue).toArray(),
                s.stream().map(x -> withEos(x, rule, eos)).toArray(int[][]::new));
    }

    /**
     * The ids trained on: as sampled (a finished completion's last id is its stop token), plus EOS for a completion
     * cut at max_new_tokens only under {@code eos: always} — training it to stop where it was merely cut off would
     * teach it to stop mid-answer.
     */
    static int[] withEos(SampleRow s, PairsConfig.Eos rule, OptionalInt eos) {
        int[] ids = s.completionIds();
        if (s.finishReason() == FinishReason.STOP || rule == PairsConfig.Eos.FINISHED_ONLY || eos.isEmpty()) return ids;
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos.getAsInt();
        return out;
    }
}
