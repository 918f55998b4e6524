package org.jpo.data;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What loading a data file did, reported to the user and written to the run directory.
 *
 * @param file                 the data file
 * @param rows                 non-blank lines read
 * @param examples             examples kept (a pair read as unpaired data gives two)
 * @param truncatedPrompts     kept examples whose prompt was cut to max_prompt_length
 * @param truncatedCompletions completions cut to fit max_length (a pair counts each of its two)
 * @param droppedEmpty         examples dropped because their prompt or a completion was or became empty
 * @param skippedBad           bad rows skipped (on_bad_row: skip)
 * @param rejectsFile          where the skipped rows were written (on_bad_row: skip), else empty
 */
public record DataStats(String file, int rows, int examples, int truncatedPrompts, int truncatedCompletions,
                        int droppedEmpty, int skippedBad, Optional<Path> rejectsFile) {}
