package org.jpo.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.io.Targets;
import picocli.CommandLine.Option;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** {@code --out FILE [--overwrite]}: JSONL rows to a file (atomically) or to standard output. */
final class Output {
    @Option(names = "--out", paramLabel = "FILE", description = "Write JSONL here instead of standard output (refused if it exists, "
            + "unless --overwrite).") Path file;
    @Option(names = "--overwrite", description = "Replace --out if it exists.") boolean overwrite;

    /** Before any work: --out can be written, and replaces nothing unless --overwrite. */
    void check() {
        if (file != null) Targets.requireWritableFile(file, "--out", overwrite);
    }

    void write(List<ObjectNode> rows) {
        if (file != null) {
            Jsonl.write(file, rows);
            return;
        }
        StringBuilder sb = new StringBuilder();
        try {
            for (ObjectNode r : rows) sb.append(Jsonl.JSON.writeValueAsString(r)).append('\n');
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        System.out.print(sb);
        System.out.flush();
    }
}
