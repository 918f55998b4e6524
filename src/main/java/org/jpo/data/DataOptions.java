package org.jpo.data;

import org.jpo.UserError;

import java.nio.file.Path;

/**
 * How data files are turned into examples (TRL's names in the config).
 *
 * @param maxLength       {@code max_length}: most tokens of prompt + completion (of a pair: + the longer one)
 * @param maxPromptLength {@code max_prompt_length}: the prompt's share when an example is too long, &lt; maxLength
 * @param onBadRow        {@code on_bad_row}: stop at the first bad row (ERROR) or skip and record it (SKIP)
 * @param rejectsFile     where SKIP writes the bad rows (JSONL); not used by ERROR, may then be null
 */
public record DataOptions(int maxLength, int maxPromptLength, OnBadRow onBadRow, Path rejectsFile) {
    public enum OnBadRow { ERROR, SKIP }

    public DataOptions {
        if (maxLength < 2) throw new UserError("max_length must be at least 2 (a prompt and a completion token), got " + maxLength);
        if (maxPromptLength < 1 || maxPromptLength >= maxLength) {
            throw new UserError("max_prompt_length must be in [1, max_length = " + maxLength + "), got " + maxPromptLength);
        }
        if (onBadRow == null) throw new UserError("on_bad_row must be error or skip");
        if (onBadRow == OnBadRow.SKIP && rejectsFile == null) throw new UserError("on_bad_row: skip needs a rejects file");
    }
}
