package org.jpo.data;

import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;

/** How data files become examples: truncation and malformed rows (TRL's names and defaults). */
public record DataOptions(
        @Key(value = "1024", doc = "Tokens of prompt + completion kept (of a pair: prompt + the longer completion).") int maxLength,
        @Key(value = "512", doc = "Tokens of prompt kept, its end, when an example is too long; < max_length.") int maxPromptLength,
        @Key(value = "error", doc = "error: stop at the first malformed row, naming file:line | skip: count it and write "
                + "it to rejects-SPLIT.jsonl in output_dir.") OnBadRow onBadRow) {

    public enum OnBadRow { ERROR, SKIP }

    public DataOptions {
        Check.atLeast("max_length", maxLength, 2);
        Check.atLeast("max_prompt_length", maxPromptLength, 1);
        if (maxPromptLength >= maxLength) {
            throw new ConfigError("max_prompt_length", "max_prompt_length (" + maxPromptLength + ") must be < max_length ("
                    + maxLength + ") so that completions keep a token; set max_prompt_length");
        }
        if (onBadRow == null) throw new ConfigError("on_bad_row", "on_bad_row must be error or skip");
    }
}
