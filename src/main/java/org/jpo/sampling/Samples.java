package org.jpo.sampling;

import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A sampler's completions as rows: each decoded and pointed back at its prompt. */
public final class Samples {
    private Samples() {}

    /**
     * {@code params.n()} completions of each prompt; {@code policy} names whose they are and {@code firstIndex} numbers
     * them ({@code sample_index} = firstIndex + j), so the initial policy's samples of a prompt never share an index
     * with the current one's.
     */
    public static List<SampleRow> draw(Sampler sampler, List<PromptRow> prompts, SamplingParams params, Tokenizer tok,
            SampleRow.Policy policy, int firstIndex, boolean greedy) {
        Map<Integer, PromptRow> byIndex = new LinkedHashMap<>();
        for (PromptRow p : prompts) byIndex.put(p.index(), p);
        List<SampleRow> rows = new ArrayList<>();
        for (Completion c : sampler.sample(prompts.stream().map(PromptRow::prompt).toList(), params)) {
            PromptRow p = byIndex.get(c.promptIndex());
            rows.add(new SampleRow(p.id(), p.index(), policy, greedy, firstIndex + c.sampleIndex(), p.text(),
                    tok.decodeContinuation(p.ids(), c.tokenIds()), c.tokenIds(), c.finish(), c.tokenIds().length,
                    c.hasLogps() ? c.logp() : null, c.seed(), null, null, null));
        }
        return rows;
    }
}
