package org.jpo.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.model.Transformer;
import org.jpo.sampling.Completion;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.SamplingParams;
import org.jpo.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A model's own stories sampled from BOS, and preference pairs labelled by whether a story contains a word. */
final class StoryPairs {
    private StoryPairs() {}

    /** n stories sampled from BOS at temperature 1 (a llama2.c model ends a story at BOS or EOS). */
    static List<String> stories(Transformer m, Tokenizer tok, int n, int tokens, long seed) {
        List<Completion> out = new LocalSampler(m, Set.of(1, 2), 64)
                .sample(List.of(new Prompt(0, new int[] {1})), new SamplingParams(n, tokens, 1.0, 0, 1.0, false, seed));
        return out.stream().map(c -> tok.decodeContinuation(new int[] {1}, c.tokenIds())).toList();
    }

    /** Each story containing {@code word} is chosen against k different stories without it; the prompt is "" (BOS). */
    static Path write(Path file, List<String> stories, String word, int k) {
        List<String> good = stories.stream().filter(s -> s.contains(word)).toList();
        List<String> bad = stories.stream().filter(s -> !s.contains(word)).toList();
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < good.size(); i++) {
            for (int j = 0; j < k; j++) {
                rows.add(Jsonl.JSON.createObjectNode().put("prompt", "").put("chosen", good.get(i)).put("rejected", bad.get((i * k + j) % bad.size())));
            }
        }
        assertTrue(rows.size() > 20, "too few pairs: " + rows.size());
        Jsonl.write(file, rows);
        return file;
    }
}
