package org.jpo.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What loading a data file did, reported to the user and written to the run directory
 * ({@code data_stats.json}, one {@link #toJson} object per split).
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
                        int droppedEmpty, int skippedBad, Optional<Path> rejectsFile) {
    /** These counts with snake_case names; {@code rejects_file} is null without one. */
    public ObjectNode toJson() {
        ObjectNode o = Jsonl.JSON.createObjectNode().put("file", file).put("rows", rows).put("examples", examples)
                .put("truncated_prompts", truncatedPrompts).put("truncated_completions", truncatedCompletions)
                .put("dropped_empty", droppedEmpty).put("skipped_bad", skippedBad);
        return o.put("rejects_file", rejectsFile.map(Path::toString).orElse(null));
    }
}
