package org.jpo.data;

import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Training examples from token ids that already exist — the iterative loop's sampled completions — so the ids
 * the policy generated are the ids it trains on (re-tokenizing decoded text need not give them back). Truncated
 * by the same rule as the file loaders ({@link Tokenization#truncate}) and counted.
 */
public final class IdExamples {
    private final DataOptions options;
    private final OptionalInt bos;
    private int truncatedPrompts, truncatedCompletions;

    /** @param bos the tokenizer's BOS id, kept at the front of a prompt cut to its end */
    public IdExamples(DataOptions options, OptionalInt bos) {
        this.options = options;
        this.bos = bos;
    }

    public PairExample pair(String source, int[] prompt, int[] chosen, int[] rejected, OptionalDouble margin, Optional<PairExample.WinProbs> winProbs) {
        return pair(source, prompt, chosen, rejected, margin, winProbs, OptionalDouble.empty());
    }

    /** @param preference P(chosen ≻ rejected), a round_robin row's */
    public PairExample pair(String source, int[] prompt, int[] chosen, int[] rejected, OptionalDouble margin, Optional<PairExample.WinProbs> winProbs,
                            OptionalDouble preference) {
        Tokenization.Truncated t = fit(prompt, chosen, rejected);
        return new PairExample(source, t.prompt(), t.completions()[0], t.completions()[1], margin, winProbs, preference);
    }

    public UnpairedExample unpaired(String source, int[] prompt, int[] completion, boolean desirable) {
        Tokenization.Truncated t = fit(prompt, completion);
        return new UnpairedExample(source, t.prompt(), t.completions()[0], desirable);
    }

    public SftExample sft(String source, int[] prompt, int[] completion) {
        Tokenization.Truncated t = fit(prompt, completion);
        return new SftExample(source, t.prompt(), t.completions()[0]);
    }

    public GroupExample group(String source, int[] prompt, int[] completion, double advantage, double score, double groupStd) {
        Tokenization.Truncated t = fit(prompt, completion);
        return new GroupExample(source, t.prompt(), t.completions()[0], advantage, score, groupStd);
    }

    public ListExample list(String source, int[] prompt, int[][] completions, double[] scores) {
        Tokenization.Truncated t = fit(prompt, completions);
        return new ListExample(source, t.prompt(), t.completions(), scores);
    }

    /** Examples whose prompt was cut to its last max_prompt_length tokens. */
    public int truncatedPrompts() { return truncatedPrompts; }

    /** Completions cut to fit max_length. */
    public int truncatedCompletions() { return truncatedCompletions; }

    private Tokenization.Truncated fit(int[] prompt, int[]... completions) {
        var t = Tokenization.truncate(prompt, completions, options.maxLength(), options.maxPromptLength(), bos);
        if (t.promptCut()) truncatedPrompts++;
        truncatedCompletions += t.completionsCut();
        return t;
    }
}
