package org.jpo.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.feedback.FakeJudge;
import org.jpo.io.Jsonl;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * inpo, egpo and spo end to end: one round of {@code jpo run} on stories260K, its samples compared by a scripted pairwise
 * judge that plays rock-paper-scissors on the responses' lengths mod 3 (intransitive, and the same in both orders). The
 * round trains on all its rows in one step, so that step's logged loss is the formula's on the round's rows: at the first
 * step the policy is the round's start, which in round 1 is the reference (and π_t), so every log-ratio is 0.
 */
class NashLoopTest {
    @TempDir static Path tmp;
    static FakeJudge judge;

    @BeforeAll static void start() throws Exception {
        judge = new FakeJudge(NashLoopTest::rockPaperScissors);
        LoopFixtures.prompts(tmp, "");
    }

    @AfterAll static void stop() { judge.close(); }

    /** Lengths mod 3: 1 beats 0, 2 beats 1, 0 beats 2; equal ones tie. */
    static FakeJudge.Answer rockPaperScissors(String prompt, int seen) {
        int a = FakeJudge.between(prompt, "[The Start of Response A]\n", "\n[The End of Response A]").length() % 3;
        int b = FakeJudge.between(prompt, "[The Start of Response B]\n", "\n[The End of Response B]").length() % 3;
        return FakeJudge.Answer.of("Compared.\n\n" + (a == b ? "[[C]]" : (a - b + 3) % 3 == 1 ? "[[A]]" : "[[B]]"));
    }

    /** One round: 2 prompts, 3 samples of up to 8 tokens, every row in one batch; 1 eval prompt. */
    static Path config(String name, String pairsAndTrain) throws Exception {
        String yaml = "output_dir: " + name + "\nseed: 3\nrounds: 1\npolicy: " + Shared.stories260K() + "\ntokenizer: " + Shared.tok512() + "\n"
                + "prompts: {file: prompts.jsonl, per_round: 2, eval_fraction: 0.15, eval_limit: 1}\n"
                + "sampling: {n: 3, max_new_tokens: 8, batch_size: 16}\n"
                + "feedback: [{type: pairwise_judge, url: \"" + judge.url() + "\", model: rps, retries: 0}]\n"
                + "eval: {samples: 1}\n" + pairsAndTrain
                + "  learning_rate: 1.0e-3\n  per_device_train_batch_size: 16\n  max_length: 64\n  max_prompt_length: 32\n  logging_steps: 1\n";
        return Files.writeString(tmp.resolve(name + ".yaml"), yaml);
    }

    static Path run(Path config, String... more) {
        List<String> args = new ArrayList<>(List.of("--threads", "1", "run", config.toString()));
        args.addAll(List.of(more));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        return tmp.resolve(config.getFileName().toString().replace(".yaml", ""));
    }

    static List<JsonNode> rows(Path f) { return Jsonl.read(f).stream().map(l -> (JsonNode) l.json()).toList(); }

    static JsonNode json(Path f) throws Exception { return Jsonl.JSON.readTree(f.toFile()); }

    static double firstLoss(Path trainDir) { return rows(trainDir.resolve("metrics.jsonl")).get(0).get("loss").doubleValue(); }

    /** Each row's preference is its chosen sample's win_probs entry for the rejected one, ≥ ½; every compared pair is a row. */
    static List<JsonNode> checkPairs(Path samplesFile, Path pairsFile) {
        List<JsonNode> samples = rows(samplesFile), pairs = rows(pairsFile);
        Map<String, JsonNode> byId = samples.stream().collect(Collectors.toMap(s -> s.get("prompt_id").asText() + "/" + s.get("sample_index").asInt(), s -> s));
        for (JsonNode p : pairs) {
            JsonNode chosen = byId.get(p.get("prompt_id").asText() + "/" + p.get("chosen_index").asInt());
            double pref = chosen.get("win_probs").get(p.get("rejected_index").asInt()).doubleValue();
            assertEquals(pref, p.get("preference").doubleValue(), 0, p.toString());
            assertTrue(pref >= 0.5 && p.get("margin").doubleValue() == 2 * pref - 1, p.toString());
        }
        long scored = samples.stream().filter(s -> s.hasNonNull("score")).count();
        assertEquals(scored / 3 * 3, pairs.size(), "3 scored samples a prompt: 3 pairs each");
        assertTrue(pairs.stream().anyMatch(p -> p.get("preference").doubleValue() == 1.0), "the judge prefers some response");
        return pairs;
    }

    /**
     * In round 1 the policy starts as the reference and π_t: h = 0, so every pair's loss is P·(η/2)² + (1 − P)·(η/2)² = η²/4.
     * In round 2 it starts as π_t = π_1 ≠ π_ref: h = ηβ·((t⁺ − t⁻) − (r⁺ − r⁻)), from the log-probs the trainer cached under
     * each model (told apart by the first step's logps/chosen, the policy's, which is π_t's).
     */
    @Test void inpoTrainsOnTheRoundRobinPairsFromTheRoundsStart() throws Exception {
        Path out = run(config("inpo", "pairs: {strategy: round_robin}\ntrain:\n  loss_type: inpo\n  inpo: {eta: 3.0}\n  num_train_epochs: 1\n"), "rounds=2");
        List<JsonNode> pairs = checkPairs(out.resolve("round-001/samples.jsonl"), out.resolve("round-001/pairs.jsonl"));
        assertEquals(9.0 / 4, firstLoss(out.resolve("round-001/train")), 5e-5);
        assertEquals(pairs.size(), json(out.resolve("round-001/manifest.json")).get("counts").get("training_rows").intValue());

        List<JsonNode> pairs2 = checkPairs(out.resolve("round-002/samples.jsonl"), out.resolve("round-002/pairs.jsonl"));
        List<double[][]> cached = new ArrayList<>();
        try (Stream<Path> s = Files.list(out.resolve("cache/reference-logps"))) {
            for (Path f : s.sorted().toList()) cached.add(readCache(f));
        }
        assertEquals(3, cached.size(), "π_ref on round 1's rows (π_t too), π_ref and π_t on round 2's");
        double[][] round1 = closest(cached, logpsChosen(out, 1)), t = closest(cached, logpsChosen(out, 2));
        double[][] ref = cached.stream().filter(c -> c != round1 && c != t).findFirst().orElseThrow();
        double eta = 3, beta = 0.1, expected = 0;
        for (int i = 0; i < pairs2.size(); i++) {
            double h = eta * beta * ((t[i][0] - t[i][1]) - (ref[i][0] - ref[i][1])), p = pairs2.get(i).get("preference").doubleValue();
            expected += (p * (h - eta / 2) * (h - eta / 2) + (1 - p) * (h + eta / 2) * (h + eta / 2)) / pairs2.size();
        }
        assertNotEquals(9.0 / 4, expected, 1e-3, "π_t and π_ref differ in round 2");
        assertEquals(expected, firstLoss(out.resolve("round-002/train")), 1e-4);
    }

    static double logpsChosen(Path out, int round) {
        return rows(out.resolve("round-%03d/train/metrics.jsonl".formatted(round))).get(0).get("logps/chosen").doubleValue();
    }

    /** The cached table whose mean chosen log-prob is nearest {@code mean}. */
    static double[][] closest(List<double[][]> tables, double mean) {
        return tables.stream().min(java.util.Comparator.comparingDouble(t -> Math.abs(java.util.Arrays.stream(t).mapToDouble(r -> r[0]).average()
                .orElseThrow() - mean))).orElseThrow();
    }

    /** A reference log-prob cache file (org.jpo.train.ReferenceLogps): rows, width, then the doubles row by row. */
    static double[][] readCache(Path f) throws Exception {
        try (var in = new java.io.DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(f)))) {
            double[][] v = new double[in.readInt()][in.readInt()];
            for (double[] row : v) for (int j = 0; j < row.length; j++) row[j] = in.readDouble();
            return v;
        }
    }

    /**
     * spo's rows carry A = score − ½, the score being the judge's win rate; at ratio 1 the first step's loss is −mean(A·|y|)
     * over its batch of 3 (of the round's 6 rows, in the trainer's seeded order: one of the 20 triples, and not 0).
     */
    @Test void spoTrainsOnWinRatesMinusOneHalf() throws Exception {
        Path out = run(config("spo", "pairs: {strategy: group}\ntrain:\n  loss_type: spo\n"), "train.per_device_train_batch_size=3");
        List<JsonNode> samples = rows(out.resolve("round-001/samples.jsonl")), groups = rows(out.resolve("round-001/pairs.jsonl"));
        assertEquals(samples.stream().filter(s -> s.hasNonNull("score")).count(), groups.size());
        double[] terms = new double[groups.size()];
        for (int i = 0; i < groups.size(); i++) {
            JsonNode g = groups.get(i);
            JsonNode s = samples.stream().filter(x -> x.get("prompt_id").equals(g.get("prompt_id")) && x.get("sample_index").equals(g.get("completion_index")))
                    .findFirst().orElseThrow();
            double wins = 0;
            int known = 0;
            for (JsonNode w : s.get("win_probs")) if (!w.isNull()) { wins += w.doubleValue(); known++; }
            assertEquals(wins / known, g.get("score").doubleValue(), 1e-12, "the score is the win rate against the others");
            assertEquals(g.get("score").doubleValue() - 0.5, g.get("advantage").doubleValue(), 0, g.toString());
            terms[i] = -g.get("advantage").doubleValue() * g.get("completion_ids").size();
        }
        double loss = firstLoss(out.resolve("round-001/train")), nearest = Double.POSITIVE_INFINITY;
        for (int a = 0; a < terms.length; a++) {
            for (int b = a + 1; b < terms.length; b++) {
                for (int c = b + 1; c < terms.length; c++) nearest = Math.min(nearest, Math.abs((terms[a] + terms[b] + terms[c]) / 3 - loss));
            }
        }
        assertEquals(6, terms.length);
        assertTrue(nearest < 1e-4 && Math.abs(loss) > 0.1, "first loss " + loss + " is no triple's −mean(A·|y|) (off by " + nearest + ")");
    }

    /**
     * egpo's round: π_{t+½} is trained from π_t on the round's pairs, samples the same prompts (its own seed), and the policy
     * trains from π_t on those samples' pairs: both passes start where the log-ratios are 0, so each first loss is the mean
     * of ((P − ½)/β)² over the pairs it trains on. Then the round, cut after π_{t+½} was saved and resumed, ends with the
     * same weights.
     */
    @Test void egpoTrainsTwiceAndResumesAfterTheExtrapolation() throws Exception {
        Path config = config("egpo", "pairs: {strategy: round_robin}\ntrain:\n  loss_type: egpo\n  beta: 0.5\n  egpo: {plain: true}\n  num_train_epochs: 1\n");
        Path out = run(config), r1 = out.resolve("round-001");
        List<JsonNode> pairs = checkPairs(r1.resolve("samples.jsonl"), r1.resolve("pairs.jsonl"));
        List<JsonNode> halfPairs = checkPairs(r1.resolve("half/samples.jsonl"), r1.resolve("half/pairs.jsonl"));
        // float32 log-probs of the policy's forward and the reference's cached one differ by rounding (measured 1.1e-5)
        assertEquals(meanTarget(pairs, 0.5), firstLoss(r1.resolve("half/train")), 5e-5);
        assertEquals(meanTarget(halfPairs, 0.5), firstLoss(r1.resolve("train")), 5e-5);
        List<JsonNode> samples = rows(r1.resolve("samples.jsonl")), half = rows(r1.resolve("half/samples.jsonl"));
        assertEquals(samples.stream().map(s -> s.get("prompt_id")).collect(Collectors.toSet()), half.stream().map(s -> s.get("prompt_id")).collect(Collectors.toSet()));
        assertNotEquals(samples.get(0).get("seed"), half.get(0).get("seed"));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(r1.resolve("half/checkpoint/model.safetensors")),
                Files.readAllBytes(r1.resolve("checkpoint/model.safetensors"))));
        // π_{t+½} drew them: each sample's logp is its log-prob under half/checkpoint, not under π_t
        double[] underHalf = logps(r1.resolve("half/checkpoint"), half), underStart = logps(Shared.stories260K(), half);
        double worstHalf = 0, bestStart = Double.POSITIVE_INFINITY;
        for (int i = 0; i < half.size(); i++) {
            worstHalf = Math.max(worstHalf, Math.abs(underHalf[i] - half.get(i).get("logp").doubleValue()));
            bestStart = Math.min(bestStart, Math.abs(underStart[i] - half.get(i).get("logp").doubleValue()));
        }
        assertTrue(worstHalf < 5e-5 && bestStart > 1e-3, "under π_(t+½) off by up to " + worstHalf + ", under π_t by at least " + bestStart);
        JsonNode m = json(r1.resolve("manifest.json"));
        assertEquals(halfPairs.size(), m.get("counts").get("training_rows").intValue());
        assertEquals(halfPairs.size(), m.get("half").get("counts").get("pairs").intValue());
        assertTrue(m.get("half").has("sampling_seed") && m.get("outputs").has("half/checkpoint"), m.toString());

        // cut after half/checkpoint: the round's later files go, and rounds.jsonl forgets the round
        Path cut = tmp.resolve("egpo-cut");
        copy(out, cut);
        Path c1 = cut.resolve("round-001");
        for (String f : List.of("half/samples.jsonl", "half/pairs.jsonl", "train", "checkpoint", "eval.json", "eval_samples.jsonl")) {
            org.jpo.io.Trees.delete(c1.resolve(f));
        }
        List<String> lines = Files.readAllLines(cut.resolve("rounds.jsonl"));
        Files.write(cut.resolve("rounds.jsonl"), lines.subList(0, 1));
        Path saved = cut.resolve("config.resolved.yaml");   // the copy is a run of its own directory
        Files.writeString(saved, Files.readString(saved).replace("\"" + out + "\"", "\"" + cut + "\""));
        int asked = judge.count();
        run(config, "output_dir=" + cut, "--resume");
        assertEquals(asked, judge.count(), "the resumed round's judgments come from the request cache");
        for (String f : List.of("half/pairs.jsonl", "checkpoint/model.safetensors", "eval.json")) {
            assertArrayEquals(Files.readAllBytes(r1.resolve(f)), Files.readAllBytes(c1.resolve(f)), f + " differs after the resume");
        }
    }

    /** Σ log π(completion | prompt) of sample rows under {@code model}, the prompts tokenized as the loop does. */
    static double[] logps(Path model, List<JsonNode> samples) {
        try (org.jpo.tokenizer.Tokenizer tok = org.jpo.tokenizer.Tokenizers.require(Shared.stories260K(), java.util.Optional.of(Shared.tok512()));
             org.jpo.model.Transformer m = org.jpo.model.Checkpoints.load(model);
             org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            Map<String, int[]> prompts = Prompts.read(tmp.resolve("prompts.jsonl"), tok, java.util.Optional.empty(), List.of(), 512).stream()
                    .collect(Collectors.toMap(org.jpo.sampling.PromptRow::id, org.jpo.sampling.PromptRow::ids));
            List<int[]> p = samples.stream().map(s -> prompts.get(s.get("prompt_id").asText())).toList();
            List<int[]> c = samples.stream().map(s -> { int[] ids = new int[s.get("completion_ids").size()];
                for (int i = 0; i < ids.length; i++) ids[i] = s.get("completion_ids").get(i).intValue();
                return ids; }).toList();
            return org.jpo.tensor.Tensors.toDoubles(org.jpo.model.LogProbs.of(m, org.jpo.model.SequenceBatch.of(p, c, 0)).sum());
        }
    }

    /** mean over the rows of ((P − ½)/β)². */
    static double meanTarget(List<JsonNode> pairs, double beta) {
        return pairs.stream().mapToDouble(p -> Math.pow((p.get("preference").doubleValue() - 0.5) / beta, 2)).average().orElseThrow();
    }

    static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isSymbolicLink(p)) continue;   // best/: relinked by the run
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }
}
