package org.jpo.train;

import java.nio.file.Path;

/**
 * How examples are cut and what happens to bad rows (Contract 1 of issue 4; the data loader owns the rest).
 *
 * @param maxLength       tokens of prompt + completion kept
 * @param maxPromptLength tokens of prompt kept (its end)
 * @param onBadRow        stop at a malformed row, or skip it and write it to {@code rejectsFile}
 * @param rejectsFile     where skipped rows go
 */
public record DataOptions(int maxLength, int maxPromptLength, OnBadRow onBadRow, Path rejectsFile) {
    public enum OnBadRow { ERROR, SKIP }
}
