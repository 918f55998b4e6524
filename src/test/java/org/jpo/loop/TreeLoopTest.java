package org.jpo.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.eval.Costs;
import org.jpo.io.Jsonl;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code sampling.tree} in a real loop on stories260K: a round searches trees, trains on their step pairs and resumes.
 * A run SIGKILLed while searching redoes the search on resume and gets the same trees, samples, pairs and weights as an
 * uninterrupted run with the same seed; every pair's steps follow its prefix token for token, as sampled.
 */
class TreeLoopTest {
    @TempDir Path tmp;

    @Test void searchesTrainsAndAfterAKillMidSearchResumesToTheSameTrees() throws Exception {
        LoopFixtures.prompts(tmp, "");
        Path config = Files.writeString(tmp.resolve("loop.yaml"), "output_dir: out\nseed: 3\nrounds: 1\npolicy: " + Shared.stories260K()
                + "\ntokenizer: " + Shared.tok512() + "\nprompts: {file: prompts.jsonl, per_round: 3, eval_fraction: 0.15}\n"
                + "sampling: {max_new_tokens: 32, batch_size: 16, tree: {step_delimiter: \".\", children: 2, simulations: 6, max_depth: 3}}\n"
                + "feedback: [{type: contains, words: [park, happy, ball, dog]}]\npairs: {strategy: tree}\neval: {samples: 1}\n"
                + "train: {loss_type: sigmoid, beta: 0.1, learning_rate: 1.0e-3, num_train_epochs: 2, per_device_train_batch_size: 2, "
                + "max_length: 64, max_prompt_length: 48, logging_steps: 1}\n");
        Path whole = tmp.resolve("whole"), killed = tmp.resolve("killed");
        Cli.Result w = Cli.run("--threads", "1", "run", config.toString(), "output_dir=" + whole);
        assertEquals(0, w.exit(), w.toString());

        // killed while the trees are searched: the round's folder exists, its trees and samples do not yet
        Process p = LoopResumeTest.jpo(config, killed, false);
        LoopResumeTest.killWhen(p, () -> Files.isDirectory(killed.resolve("round-001")));
        assertFalse(Files.exists(killed.resolve("round-001/trees.jsonl")), "the kill came after the search finished");
        Cli.Result k = Cli.run("--threads", "1", "run", config.toString(), "output_dir=" + killed, "--resume");
        assertEquals(0, k.exit(), k.toString());
        for (String f : List.of("round-001/trees.jsonl", "round-001/samples.jsonl", "round-001/pairs.jsonl", "round-001/checkpoint/model.safetensors")) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(f)), Files.readAllBytes(killed.resolve(f)), f + " differs after kill and resume");
        }

        JsonNode round = Jsonl.read(whole.resolve("rounds.jsonl"), JsonNode.class).get(1);
        assertTrue(round.path("counts").path("pairs").asInt() >= 1, round.toString());
        assertEquals(round.path("counts").path("pairs").asInt(), round.path("counts").path("training_rows").asInt(), "trained on every step pair");
        assertTrue(round.has("train"), "the round trained");
        // every token the trees generated is counted where a run's sampled tokens are counted
        List<JsonNode> samples = Jsonl.read(whole.resolve("round-001/samples.jsonl"), JsonNode.class);
        List<JsonNode> nodes = Jsonl.read(whole.resolve("round-001/trees.jsonl"), JsonNode.class);
        long tokens = nodes.stream().mapToLong(n -> n.get("tokens").asLong()).sum();
        assertEquals(tokens, round.path("tree").path("sampled_tokens").asLong());
        assertEquals(tokens, Costs.of(whole).sampledTokens());
        assertTrue(Files.readString(whole.resolve("report.html")).contains("Search trees: step pairs per depth"));
        // a step ends at the first token whose text completes the delimiter: a step that ended otherwise holds none
        for (JsonNode n : nodes) {
            if (n.get("parent").asInt() < 0) continue;
            assertEquals(n.get("end").asText().equals("delimiter"), n.get("step").asText().contains("."), n.toString());
        }
        assertTrue(nodes.stream().anyMatch(n -> n.path("end").asText().equals("delimiter")));

        for (JsonNode pair : Jsonl.read(whole.resolve("round-001/pairs.jsonl"), JsonNode.class)) {
            List<JsonNode> tree = nodes.stream().filter(n -> n.get("prompt_id").equals(pair.get("prompt_id"))).toList();
            List<Integer> prefix = new ArrayList<>();
            for (JsonNode n = tree.get(pair.get("node").asInt()); n.get("parent").asInt() >= 0; n = tree.get(n.get("parent").asInt())) {
                prefix.addAll(0, ints(n.get("step_ids")));
            }
            assertEquals(prefix, ints(pair.get("prefix_ids")), "the prefix is the expanded node's steps, token for token");
            for (String side : List.of("chosen", "rejected")) {
                JsonNode child = tree.get(pair.get(side + "_node").asInt());
                assertEquals(pair.get("node").asInt(), child.get("parent").asInt());
                assertEquals(ints(child.get("step_ids")), ints(pair.get(side + "_ids")));
                List<Integer> sampled = new ArrayList<>(prefix);
                sampled.addAll(ints(pair.get(side + "_ids")));
                assertTrue(samples.stream().anyMatch(s -> s.get("prompt_id").equals(pair.get("prompt_id"))
                        && startsWith(ints(s.get("completion_ids")), sampled)), side + ": prefix + step are ids a rollout was sampled from");
            }
        }
    }

    private static List<Integer> ints(JsonNode a) {
        List<Integer> out = new ArrayList<>();
        a.forEach(x -> out.add(x.asInt()));
        return out;
    }

    private static boolean startsWith(List<Integer> all, List<Integer> head) { return all.size() >= head.size() && all.subList(0, head.size()).equals(head); }
}
