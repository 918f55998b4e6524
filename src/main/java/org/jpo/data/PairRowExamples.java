package org.jpo.data;

import org.jpo.pairs.PairRow;
import org.jpo.sampling.PromptRow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/** A loop's training rows ({@code pairs.jsonl}) → the trainer's examples, of the kind the rows are. */
public final class PairRowExamples {
    private PairRowExamples() {}

    /** {@code file} names the rows in the examples' sources; {@code prompts} gives each prompt's ids. */
    public static List<Example> of(Path file, List<PairRow> rows, Map<String, PromptRow> prompts, IdExamples ids) {
        List<Example> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) out.add(example(file + ":" + (i + 1), rows.get(i), prompts.get(rows.get(i).promptId()).ids(), ids));
        return out;
    }

    /** The row's ids after its prompt's, truncated as the data options say; PairRow's six kinds, each once. */
    private static Example example(String source, PairRow row, int[] prompt, IdExamples ids) {
        if (row instanceof PairRow.StepPair s) {   // the steps follow the prompt and the prefix of steps they share
            int[] both = java.util.Arrays.copyOf(prompt, prompt.length + s.prefixIds().length);
            System.arraycopy(s.prefixIds(), 0, both, prompt.length, s.prefixIds().length);
            return ids.pair(source, both, s.chosenIds(), s.rejectedIds(), OptionalDouble.of(s.margin()), Optional.empty());
        }
        if (row instanceof PairRow.Preference p) {
            return ids.pair(source, prompt, p.chosenIds(), p.rejectedIds(), OptionalDouble.of(p.margin()), p.chosenWinProb() == null
                    ? Optional.empty() : Optional.of(new PairExample.WinProbs(p.chosenWinProb(), p.rejectedWinProb())),
                    p.preference() == null ? OptionalDouble.empty() : OptionalDouble.of(p.preference()));
        }
        if (row instanceof PairRow.Labeled l) return ids.unpaired(source, prompt, l.completionIds(), l.label());
        if (row instanceof PairRow.Ranked r) return ids.list(source, prompt, r.completionIds(), r.scores());
        if (row instanceof PairRow.Group g) return ids.group(source, prompt, g.completionIds(), g.advantage(), g.score(), g.groupStd());
        return ids.sft(source, prompt, ((PairRow.Sft) row).completionIds());
    }
}
