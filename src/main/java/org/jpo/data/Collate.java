package org.jpo.data;

import org.jpo.model.PackedLists;
import org.jpo.model.SequenceBatch;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Examples → right-padded token batches. Pairs put all chosen rows first, then all rejected rows (one forward), or
 * pack each pair into one row sharing its prompt; ranked lists likewise, one row per completion or one per list.
 */
public final class Collate {
    private Collate() {}

    /** [2B] rows: chosen of each pair, then rejected of each pair. */
    public static SequenceBatch pairs(List<PairExample> batch, int padId) {
        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
        for (PairExample e : batch) { prompts.add(e.prompt()); completions.add(e.chosen()); }
        for (PairExample e : batch) { prompts.add(e.prompt()); completions.add(e.rejected()); }
        return SequenceBatch.of(prompts, completions, padId);
    }

    /** [B] rows of [prompt, chosen, rejected], the prompt computed once for both (arXiv:2410.20305). */
    public static PackedLists packedPairs(List<PairExample> batch, int padId) {
        return PackedLists.pairs(batch.stream().map(PairExample::prompt).toList(), batch.stream().map(PairExample::chosen).toList(),
                batch.stream().map(PairExample::rejected).toList(), padId);
    }

    /** [B] rows of [prompt, y_1, …, y_K], the prompt computed once per list: completion k of list i in output row k·B + i. */
    public static PackedLists packedLists(List<ListExample> batch, int padId) {
        return PackedLists.of(batch.stream().map(ListExample::prompt).toList(),
                batch.stream().map(e -> List.of(e.completions())).toList(), padId);
    }

    /** [Σ K_i] rows of (prompt, completion): list 0's completions in order, then list 1's, … */
    public static SequenceBatch lists(List<ListExample> batch, int padId) {
        List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
        for (ListExample e : batch) {
            for (int[] c : e.completions()) { prompts.add(e.prompt()); completions.add(c); }
        }
        return SequenceBatch.of(prompts, completions, padId);
    }

    /** [B] rows of (prompt, completion). */
    public static <E> SequenceBatch rows(List<E> batch, Function<E, int[]> prompt, Function<E, int[]> completion, int padId) {
        return SequenceBatch.of(batch.stream().map(prompt).toList(), batch.stream().map(completion).toList(), padId);
    }
}
