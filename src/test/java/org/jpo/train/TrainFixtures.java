package org.jpo.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.testing.Shared;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Small text preference sets for stories260K and configs around them. */
final class TrainFixtures {
    private TrainFixtures() {}

    static final String[] ANIMALS = {"dog", "cat", "bird", "fish", "frog", "bear"};
    static final String[] OPENINGS = {"Once upon a time, there was a", "One day, Lily saw a", "Tom had a little",
            "In the park, there was a", "Sam wanted a", "The girl found a"};

    /** Pairs preferring "dog" stories: chosen " dog. It was happy.", rejected the same with another animal. */
    static Path dogPairs(Path file, int n) {
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String opening = OPENINGS[i % OPENINGS.length], other = ANIMALS[1 + i % (ANIMALS.length - 1)];
            rows.add(Jsonl.JSON.createObjectNode().put("prompt", opening)
                    .put("chosen", " dog. The dog was happy.").put("rejected", " " + other + ". The " + other + " was sad."));
        }
        Jsonl.write(file, rows);
        return file;
    }

    /** A config for stories260K with the given extra lines. */
    static Path config(Path file, Path train, Path out, String extra) throws IOException {
        Files.writeString(file, "method: dpo\nmodel: " + Shared.stories260K() + "\ntokenizer: " + Shared.tok512()
                + "\ntrain_file: " + train + "\noutput_dir: " + out + "\nmax_length: 64\nmax_prompt_length: 32\n" + extra);
        return file;
    }
}
