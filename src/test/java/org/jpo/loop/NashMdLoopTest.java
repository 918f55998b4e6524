package org.jpo.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.feedback.FakeJudge;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.sampling.Completion;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Mixture;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.PromptRow;
import org.jpo.sampling.SamplingParams;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * jpo run with loss_type nash_md on stories260K, judged by a scripted pairwise judge that prefers the response with more
 * letters e: each prompt's policy samples play opponents drawn from the mixture of the round's policy and the reference,
 * the judge compares each match alone (in both orders), the rows carry P(y ≻ y′) − ½ as their advantage, and each round
 * trains. Round 2's opponents are exactly what the mixture of round 1's checkpoint and the starting model draws.
 */
class NashMdLoopTest {
    static final int N = 2, PER_ROUND = 3, ROUNDS = 2;
    @TempDir static Path tmp;

    static long es(String s) { return s.chars().filter(ch -> ch == 'e').count(); }

    /** P(a ≻ b) by the judge's rule: more e's wins, as many is a tie. */
    static double preference(String a, String b) { return Math.signum(es(a) - es(b)) / 2 + 0.5; }

    static FakeJudge.Answer judge(String prompt, int seen) {
        String a = FakeJudge.between(prompt, "[The Start of Response A]\n", "\n[The End of Response A]");
        String b = FakeJudge.between(prompt, "[The Start of Response B]\n", "\n[The End of Response B]");
        double p = preference(a, b);
        return FakeJudge.Answer.of("Response A has " + es(a) + " e's, B " + es(b) + ".\n\n" + (p == 1 ? "[[A]]" : p == 0 ? "[[B]]" : "[[C]]"));
    }

    static List<JsonNode> rows(Path f) { return org.jpo.io.Jsonl.read(f).stream().map(l -> (JsonNode) l.json()).toList(); }

    @Test void eachSamplePlaysItsMixtureOpponentAndTheRoundTrains() throws Exception {
        try (FakeJudge judge = new FakeJudge(NashMdLoopTest::judge)) {
            Path prompts = LoopFixtures.prompts(tmp, ""), out = tmp.resolve("out");
            String yaml = "output_dir: out\nseed: 3\nrounds: " + ROUNDS + "\npolicy: " + Shared.stories260K() + "\ntokenizer: " + Shared.tok512() + "\n"
                    + "prompts: {file: prompts.jsonl, per_round: " + PER_ROUND + ", eval_fraction: 0.1, eval_limit: 1}\n"
                    + "sampling: {n: " + N + ", max_new_tokens: 10, batch_size: 16}\n"
                    + "feedback: [{type: pairwise_judge, url: '" + judge.url() + "', model: fake-judge}]\n"
                    + "pairs: {strategy: group}\n"
                    + "eval: {samples: 1, feedback: [{type: contains, words: [park]}]}\n"
                    + "train:\n  loss_type: nash_md\n  mixture_coef: 0.5\n  learning_rate: 1.0e-3\n  per_device_train_batch_size: 2\n"
                    + "  max_length: 64\n  max_prompt_length: 32\n  logging_steps: 1\n";
            Path config = Files.writeString(tmp.resolve("nash.yaml"), yaml);
            Cli.Result r = Cli.run("--threads", "1", "run", config.toString(), "output_dir=" + out);
            assertEquals(0, r.exit(), r.toString());
            for (int round = 1; round <= ROUNDS; round++) checkRound(out.resolve("round-%03d".formatted(round)));
            // one match per policy sample, asked in both orders: not every pair of a prompt's 2n samples
            assertEquals(2 * N * PER_ROUND * ROUNDS, judge.count());
            checkOpponentsComeFromTheMixture(out, prompts);
        }
    }

    /** Samples and their matches, rows with P − ½, and a trained round. */
    static void checkRound(Path dir) throws Exception {
        Map<String, List<JsonNode>> byPrompt = new LinkedHashMap<>();
        for (JsonNode s : rows(dir.resolve("samples.jsonl"))) byPrompt.computeIfAbsent(s.get("prompt_id").asText(), k -> new ArrayList<>()).add(s);
        assertEquals(PER_ROUND, byPrompt.size());
        Map<String, JsonNode> pairs = new LinkedHashMap<>();
        for (JsonNode p : rows(dir.resolve("pairs.jsonl"))) pairs.put(p.get("prompt_id").asText() + "/" + p.get("completion_index").asInt(), p);
        assertEquals(PER_ROUND * N, pairs.size(), "one row per policy sample");
        for (var e : byPrompt.entrySet()) {
            JsonNode[] byIndex = new JsonNode[2 * N];
            for (JsonNode s : e.getValue()) byIndex[s.get("sample_index").asInt()] = s;
            for (int k = 0; k < N; k++) {
                JsonNode y = byIndex[k], opponent = byIndex[N + k];
                assertEquals("current", y.get("policy").asText());
                assertEquals("mixture", opponent.get("policy").asText());
                double p = preference(y.get("completion").asText(), opponent.get("completion").asText());
                assertEquals(List.of(N + k), known(y), "policy sample " + k + " was judged against its opponent alone");
                assertEquals(p, y.get("win_probs").get(N + k).doubleValue(), 0);
                assertEquals(1 - p, opponent.get("win_probs").get(k).doubleValue(), 0);
                JsonNode row = pairs.get(e.getKey() + "/" + k);
                assertEquals(p, row.get("score").doubleValue(), 0);
                assertEquals(p - 0.5, row.get("advantage").doubleValue(), 1e-12);
                assertEquals(N + k, row.get("opponent_index").asInt());
            }
        }
        JsonNode m = org.jpo.io.Jsonl.JSON.readTree(dir.resolve("manifest.json").toFile());
        assertEquals(PER_ROUND * N, m.get("counts").get("training_rows").asInt());
        for (String k : List.of("loss", "kl", "reward")) assertTrue(m.get("train").has(k), k + " missing from " + m.get("train"));
        assertNotEquals(m.get("model").get("before").asText(), m.get("model").get("after").asText(), "the round did not train");
        assertTrue(m.get("seeds").has("mixture_sampling"), m.get("seeds").toString());
    }

    /** The sample indexes a row's win_probs knows. */
    static List<Integer> known(JsonNode row) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < row.get("win_probs").size(); i++) if (!row.get("win_probs").get(i).isNull()) out.add(i);
        return out;
    }

    /**
     * Round 2's opponents, drawn again outside the loop from softmax(½·round 1's checkpoint + ½·the starting model) with the
     * manifest's mixture seed: the same tokens (with the reference or the policy in the wrong place they would differ).
     */
    static void checkOpponentsComeFromTheMixture(Path out, Path promptsFile) throws Exception {
        Path dir = out.resolve("round-002");
        long seed = org.jpo.io.Jsonl.JSON.readTree(dir.resolve("manifest.json").toFile()).get("seeds").get("mixture_sampling").asLong();
        List<JsonNode> opponents = rows(dir.resolve("samples.jsonl")).stream().filter(s -> s.get("policy").asText().equals("mixture")).toList();
        try (Tokenizer tok = Tokenizers.require(Shared.stories260K(), Optional.of(Shared.tok512()));
             Transformer policy = Checkpoints.load(out.resolve("round-001/checkpoint")); Transformer initial = Checkpoints.load(Shared.stories260K())) {
            Map<String, PromptRow> all = new LinkedHashMap<>();
            for (PromptRow p : Prompts.read(promptsFile, tok, Optional.empty(), List.of(), policy.config().maxSeqLen())) all.put(p.id(), p);
            List<Prompt> prompts = opponents.stream().map(s -> s.get("prompt_id").asText()).distinct().map(id -> all.get(id).prompt()).toList();
            List<Completion> again = new LocalSampler(policy, LocalSampler.stopIds(policy, tok), 16).mixedWith(new Mixture(initial, 0.5))
                    .sample(prompts, new SamplingParams(N, 10, 1.0, 0, 1.0, false, seed));
            assertEquals(opponents.size(), again.size());
            for (JsonNode s : opponents) {
                Completion c = again.stream().filter(x -> x.promptIndex() == s.get("prompt_index").asInt()
                        && N + x.sampleIndex() == s.get("sample_index").asInt()).findFirst().orElseThrow();
                int[] ids = new int[s.get("completion_ids").size()];
                for (int i = 0; i < ids.length; i++) ids[i] = s.get("completion_ids").get(i).asInt();
                assertArrayEquals(c.tokenIds(), ids, "opponent " + s.get("prompt_id") + "/" + s.get("sample_index"));
                assertEquals(c.logp(), s.get("logp").doubleValue(), 1e-4);   // a reloaded checkpoint, another thread count
            }
        }
    }
}
