package org.jpo.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/** JSONL rows to a file (atomically) or to standard output. */
final class Output {
    private Output() {}

    static void write(Path out, List<ObjectNode> rows) {
        if (out != null) {
            Jsonl.write(out, rows);
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
