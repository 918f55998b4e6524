package org.jpo.feedback;

import org.jpo.Progress;
import org.jpo.sampling.PromptRow;
import org.jpo.sampling.SampleRow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Sample rows in, the same rows with their feedback out: the scoring phase of a round or an eval. */
public final class ScoredRows {
    private ScoredRows() {}

    /** Every row scored, in the order given; the rows of one prompt are scored together (a pairwise judge compares them). */
    public static List<SampleRow> score(List<SampleRow> rows, Map<String, PromptRow> prompts, Feedback feedback) {
        return score(rows, prompts, feedback, SampleRow::promptId);
    }

    /**
     * The same, scoring together the rows {@code set} gives one key (rows of one prompt only): nash_md's pairwise judge
     * compares each policy sample with its opponent alone, not every pair of the prompt's samples.
     */
    public static List<SampleRow> score(List<SampleRow> rows, Map<String, PromptRow> prompts, Feedback feedback, Function<SampleRow, String> set) {
        Map<String, List<Integer>> byPrompt = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) byPrompt.computeIfAbsent(set.apply(rows.get(i)), k -> new ArrayList<>()).add(i);
        List<SampleRow> out = new ArrayList<>(rows);
        try (Progress progress = Progress.start("score", "completions", rows.size(), 0)) {
            int done = 0;
            for (var e : byPrompt.entrySet()) {
                PromptRow p = prompts.get(rows.get(e.getValue().get(0)).promptId());
                List<String> texts = e.getValue().stream().map(i -> rows.get(i).completion()).toList();
                List<Feedback.Scored> scored = feedback.score(new ScoreInput(p.text(), p.fields()), texts);
                int[] sampleIndex = e.getValue().stream().mapToInt(i -> rows.get(i).sampleIndex()).toArray();
                for (int j = 0; j < texts.size(); j++) {
                    out.set(e.getValue().get(j), rows.get(e.getValue().get(j)).scored(scoring(scored.get(j), sampleIndex)));
                }
                progress.update(done += texts.size(), "");
            }
        }
        return out;
    }

    /**
     * The row fields of one completion's feedback: the combined score and each scorer's part; {@code sampleIndex} maps the
     * scorer's completion order to the rows' sample indexes, which {@code win_probs} is indexed by.
     */
    static SampleRow.Scoring scoring(Feedback.Scored s, int[] sampleIndex) {
        Map<String, Double> scores = new LinkedHashMap<>(), stds = new LinkedHashMap<>();
        Map<String, String> details = new LinkedHashMap<>();
        Map<String, Map<String, Double>> stats = new LinkedHashMap<>();
        for (Score part : s.parts()) {
            scores.put(part.scorer(), part.value());
            if (part.details() != null) details.put(part.scorer(), part.details());
            if (part.std() != null) stds.put(part.scorer(), part.std());
            if (!part.stats().isEmpty()) stats.put(part.scorer(), part.stats());
        }
        return new SampleRow.Scoring(s.value(), s.missingReason(), s.std(), scores, details, stds, stats, byIndex(s.winProbs(), sampleIndex));
    }

    /** Win probabilities in the scorer's order → by sample index (null where no sample has that index). */
    private static List<Double> byIndex(List<Double> winProbs, int[] sampleIndex) {
        if (winProbs == null) return null;
        int size = java.util.Arrays.stream(sampleIndex).max().orElse(-1) + 1;
        List<Double> out = new ArrayList<>(java.util.Collections.nCopies(size, (Double) null));
        for (int k = 0; k < winProbs.size(); k++) out.set(sampleIndex[k], winProbs.get(k));
        return out;
    }
}
