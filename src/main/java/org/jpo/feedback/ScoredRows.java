package org.jpo.feedback;

import org.jpo.Progress;
import org.jpo.sampling.PromptRow;
import org.jpo.sampling.SampleRow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Sample rows in, the same rows with their feedback out: the scoring phase of a round or an eval. */
public final class ScoredRows {
    private ScoredRows() {}

    /** Every row scored, in the order given; the rows of one prompt are scored together (a pairwise judge compares them). */
    public static List<SampleRow> score(List<SampleRow> rows, Map<String, PromptRow> prompts, Feedback feedback) {
        Map<String, List<Integer>> byPrompt = new LinkedHashMap<>();
        for (int i = 0; i < rows.size(); i++) byPrompt.computeIfAbsent(rows.get(i).promptId(), k -> new ArrayList<>()).add(i);
        List<SampleRow> out = new ArrayList<>(rows);
        try (Progress progress = Progress.start("score", "completions", rows.size(), 0)) {
            int done = 0;
            for (var e : byPrompt.entrySet()) {
                PromptRow p = prompts.get(e.getKey());
                List<String> texts = e.getValue().stream().map(i -> rows.get(i).completion()).toList();
                List<Feedback.Scored> scored = feedback.score(new ScoreInput(p.text(), p.fields()), texts);
                for (int j = 0; j < texts.size(); j++) out.set(e.getValue().get(j), rows.get(e.getValue().get(j)).scored(scoring(scored.get(j))));
                progress.update(done += texts.size(), "");
            }
        }
        return out;
    }

    /** The row fields of one completion's feedback: the combined score and each scorer's part. */
    static SampleRow.Scoring scoring(Feedback.Scored s) {
        Map<String, Double> scores = new LinkedHashMap<>(), stds = new LinkedHashMap<>();
        Map<String, String> details = new LinkedHashMap<>();
        Map<String, Map<String, Double>> stats = new LinkedHashMap<>();
        for (Score part : s.parts()) {
            scores.put(part.scorer(), part.value());
            if (part.details() != null) details.put(part.scorer(), part.details());
            if (part.std() != null) stds.put(part.scorer(), part.std());
            if (!part.stats().isEmpty()) stats.put(part.scorer(), part.stats());
        }
        return new SampleRow.Scoring(s.value(), s.missingReason(), s.std(), scores, details, stds, stats);
    }
}
