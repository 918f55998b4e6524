package org.jpo.loop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.Seeds;
import org.jpo.UserError;
import org.jpo.Versions;
import org.jpo.data.Example;
import org.jpo.data.IdExamples;
import org.jpo.feedback.Feedback;
import org.jpo.io.Jsonl;
import org.jpo.io.Trees;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.pairs.Strategy;
import org.jpo.feedback.ScorerContext;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.OpenAiClient;
import org.jpo.sampling.Sampler;
import org.jpo.sampling.SamplingParams;
import org.jpo.tokenizer.ChatTemplate;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.jpo.train.Run;
import org.jpo.train.Runs;
import org.jpo.train.TrainConfig;
import org.jpo.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.jpo.loop.RunDir.*;

/**
 * The iterative loop, a recipe read top to bottom: evaluate the starting policy, then each round sample → score →
 * pair → train → evaluate → save. Every phase leaves a complete file (or directory) in the round's folder, so a
 * killed run continues, with {@code --resume}, from the last completed phase and ends with the same weights as an
 * uninterrupted one: a phase's inputs are all on disk or recomputed from seeds.
 *
 * <p>Owns two models: {@code initial} (the starting policy: KL to it, anchored samples) and {@code policy} (trained in
 * place each round, sampled from without a save and reload).
 */
public final class Loop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Loop.class);
    /** The counts' record components under the names of the manifest (all_tied, ties_dropped, ...). */
    private static final com.fasterxml.jackson.databind.ObjectMapper SNAKE_CASE =
            Jsonl.JSON.copy().setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);

    private final LoopConfig c;
    private final RunDir dir;
    private final Tokenizer tok;
    private final Feedback feedback;
    private final Prompts.Split prompts;
    private final Map<String, Prompts.Row> trainById = new LinkedHashMap<>();
    private final Set<Integer> stopIds;
    private final List<Path> tokenizerFiles;
    private final ObjectNode inputs;
    private final Evaluation evaluation;
    private final Transformer initial;
    private Transformer policy;
    /** engine remote: the server that holds the policy. */
    private final Optional<PolicyServer> server;
    /** The request cache's directory for the servers' present state: round-NNN/{sample,eval}. */
    private final AtomicReference<String> scope = new AtomicReference<>("");

    /** Checks everything that can be checked (config, run directory, prompts, the fields scorers read) before any work. */
    public static Loop open(LoopConfig c, boolean resume) {
        RunDir dir = new RunDir(c.outputDir());
        dir.checkResume(c, resume);
        return new Loop(c, dir);
    }

    private Loop(LoopConfig c, RunDir dir) {
        this.c = c;
        this.dir = dir;
        this.tok = Tokenizers.require(c.policy(), c.tokenizer());
        try {
            Optional<ChatTemplate> template = ChatTemplate.load(c.tokenizer().orElse(c.policy()));
            this.initial = Checkpoints.load(c.policy());
            int window = initial.config().maxSeqLen();
            Path cache = c.outputDir().resolve("cache/requests");
            this.server = c.sampling().engine() == LoopConfig.Engine.REMOTE
                    ? Optional.of(new PolicyServer(c.sampling(), cache, scope::get)) : Optional.empty();
            this.feedback = Feedback.open(c.feedback(), new ScorerContext(Optional.of(cache),
                    Optional.of(new ScorerContext.Policy(() -> policy != null ? policy : initial, tok)), scope::get));
            var p = c.prompts();
            List<Prompts.Row> all = Prompts.read(p.file(), tok, template, feedback.requiredFields(), window);
            Optional<List<Prompts.Row>> eval = p.evalFile().map(f -> Prompts.read(f, tok, template, feedback.requiredFields(), window));
            this.prompts = Prompts.split(all, eval, p.evalFraction(), p.evalLimit(), c.seed(), p.file());
            if (c.prompts().perRound() > prompts.train().size()) {
                throw new UserError(p.file() + ": prompts.per_round is " + p.perRound() + " but only " + prompts.train().size()
                        + " prompts are left for training");
            }
            prompts.train().forEach(r -> trainById.put(r.id(), r));
            this.stopIds = LocalSampler.stopIds(initial, tok);
            this.tokenizerFiles = Checkpoints.tokenizerFiles(c.policy(), c.tokenizer());
            this.inputs = RunDir.inputHashes(c);
            this.evaluation = new Evaluation(c, tok, feedback, prompts.eval());
            Files.createDirectories(dir.root());
            RunDir.writeText(dir.root().resolve(CONFIG), c.toYaml());
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot create output_dir " + c.outputDir() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Runs (or continues) every round; returns the rounds.jsonl lines. */
    public List<ObjectNode> run() {
        try {
            return rounds();
        } catch (OpenAiClient.HttpError | UncheckedIOException e) {
            // a server that stayed down past the retries (or a full disk): what finished is on disk, the answers so far cached
            throw new UserError(scope.get() + ": " + e.getMessage() + "; nothing finished is lost: run again with --resume", e);
        }
    }

    private List<ObjectNode> rounds() {
        List<ObjectNode> done = dir.finished();
        int last = done.isEmpty() ? -1 : done.get(done.size() - 1).get("round").intValue();
        if (last >= 0) log.info("resuming {} after round {}", dir.root(), last);
        if (last < 0) {
            ObjectNode m = Jsonl.JSON.createObjectNode();
            serve(0, "eval", c.policy(), m);
            evaluate(0, initial, m);
            finish(0, m);
        }
        policy = Checkpoints.load(last >= 1 ? dir.file(last, CHECKPOINT) : c.policy());
        for (int r = Math.max(1, last + 1); r <= c.rounds() && !stopEarly(); r++) round(r);
        dir.pointBest(Rounds.best(dir.finished(), c.earlyStop().metric()), c.policy());
        return dir.finished();
    }

    // ---- one round ----

    private void round(int r) {
        Path d = dir.round(r);
        createDirectories(d);
        ObjectNode m = dir.has(r, MANIFEST) ? RunDir.readJson(dir.file(r, MANIFEST)) : newManifest(r);
        verifyOutputs(r, m);
        if (!m.has("model")) m.putObject("model").put("before", policy.checksum());
        List<Prompts.Row> ps = Prompts.forRound(prompts.train(), c.prompts().perRound(), c.seed(), r);
        Path start = r == 1 ? c.policy() : dir.file(r - 1, CHECKPOINT);
        if (!dir.has(r, SAMPLES) && !dir.has(r, COMPLETIONS)) {
            serve(r, "sample", start, m);
            timed(m, "sample", () -> sample(r, ps));
            save(r, m, COMPLETIONS);
        }
        if (!dir.has(r, SAMPLES)) {
            serve(r, "sample", start, m);   // judges of the policy's own server judge with the weights that sampled
            timed(m, "score", () -> score(r));
        }
        save(r, m, SAMPLES);
        if (!dir.has(r, PAIRS)) pair(r, m);
        save(r, m, PAIRS);
        if (dir.has(r, CHECKPOINT)) {
            replacePolicy(dir.file(r, CHECKPOINT));   // trained before a restart
        } else {
            train(r, m);
        }
        m.with("model").put("after", policy.checksum());
        save(r, m, CHECKPOINT);
        if (!dir.has(r, EVAL)) {
            serve(r, "eval", dir.file(r, CHECKPOINT), m);
            evaluate(r, policy, m);
        }
        save(r, m, EVAL);
        finish(r, m);
    }

    /** n completions per prompt from the policy (and, for anchored, from the initial policy), written unscored. */
    private void sample(int r, List<Prompts.Row> ps) {
        var s = c.sampling();
        SamplingParams params = new SamplingParams(s.n(), s.maxNewTokens(), s.temperature(), s.topK(), s.topP(), false, Seeds.of(c.seed(), r, 0x5A3L));
        List<ObjectNode> rows = new ArrayList<>(Samples.draw(sampler(policy), ps, params, tok, "current", 0, false));
        if (c.pairs().strategy() == Strategy.ANCHORED) {
            SamplingParams initialParams = new SamplingParams(s.n(), s.maxNewTokens(), s.temperature(), s.topK(), s.topP(), false,
                    Seeds.of(c.seed(), r, 0x1A17L));
            // the server holds the policy, not the starting model: its samples are drawn here
            rows.addAll(Samples.draw(local(initial), ps, initialParams, tok, "initial", s.n(), false));
        }
        Jsonl.write(dir.file(r, COMPLETIONS), rows);
    }

    private void score(int r) {
        List<ObjectNode> rows = read(dir.file(r, COMPLETIONS));
        Samples.score(rows, trainById, feedback);
        Jsonl.write(dir.file(r, SAMPLES), rows);
        Trees.delete(dir.file(r, COMPLETIONS));
    }

    private void pair(int r, ObjectNode m) {
        List<ObjectNode> samples = read(dir.file(r, SAMPLES));
        Pairing.Rows p = Pairing.build(samples, c.pairs(), c.seed(), r, tok.eosId(), c.winProbScores());
        Jsonl.write(dir.file(r, PAIRS), p.rows());
        ObjectNode out = m.putObject("counts");
        out.put("prompts", samples.stream().map(x -> x.get("prompt_id").asText()).distinct().count());
        out.put("samples", samples.size());
        out.put("scored", samples.stream().filter(x -> Samples.score(x) != null).count());
        out.put("missing", samples.stream().filter(x -> Samples.score(x) == null).count());
        out.setAll((ObjectNode) SNAKE_CASE.valueToTree(p.outcome().counts()));
    }

    /** Trains the policy on this round's rows (and the last history − 1 rounds'), then applies momentum and the EMA. */
    private void train(int r, ObjectNode m) {
        Path start = r == 1 ? c.policy() : dir.file(r - 1, CHECKPOINT);
        Path ref = switch (c.reference()) {
            case INITIAL -> c.policy();
            case PREVIOUS_ROUND -> start;
            case EMA -> r == 1 ? c.policy() : dir.file(r - 1, REFERENCE);
        };
        Path out = dir.file(r, TRAIN);
        TrainConfig tc = c.trainConfig(r, start, out, ref, dir.file(r, PAIRS));
        List<Example> examples = trainingRows(r, tc);
        m.with("counts").put("training_rows", examples.size());
        if (examples.isEmpty()) {
            log.warn("round {}: no training rows (every prompt's samples tied, or were missing); the policy is unchanged", r);
        } else {
            Optional<Path> from = Files.isDirectory(out) ? Trainer.latestCheckpoint(out) : Optional.empty();
            from.ifPresent(this::replacePolicy);   // killed mid-training: continue from its last checkpoint
            long t0 = System.nanoTime();
            Run<?> run = Runs.prepareRound(tc, examples, policy, from, dir.root().resolve("cache"));
            m.with("timings").put("reference_logps", seconds(t0));
            long t1 = System.nanoTime();
            Trainer.Result res = Trainer.train(run, from);
            m.with("timings").put("train", seconds(t1));
            m.set("train", Jsonl.JSON.valueToTree(res.lastLog()));
            m.put("train_resumed_from_step", res.startStep());
            m.put("trainable_parameters", res.trainableParameters());
            // LoRA: the round's adapters fold into the policy, so the round's checkpoint, momentum and EMA see full weights
            if (policy.lora().isPresent()) policy.mergeLora();
        }
        if (c.momentum() > 0) {
            try (Transformer old = Checkpoints.load(start)) { Updates.momentum(policy, old, c.momentum()); }
        }
        if (c.reference() == LoopConfig.ReferenceMode.EMA) {
            try (Transformer reference = Checkpoints.load(ref)) {
                Updates.ema(reference, policy, c.emaRate());
                Checkpoints.save(reference, dir.file(r, REFERENCE), tokenizerFiles);
            }
        }
        Checkpoints.save(policy, dir.file(r, CHECKPOINT), tokenizerFiles);
        deleteTrainingCheckpoints(out);
    }

    /** The rows of this round and of the history − 1 rounds before it, as examples of the round's method. */
    private List<Example> trainingRows(int r, TrainConfig tc) {
        IdExamples ids = new IdExamples(tc.data(), tok.bosId());
        List<Example> out = new ArrayList<>();
        for (int k = Math.max(1, r - c.pairs().history() + 1); k <= r; k++) {
            Path f = dir.file(k, PAIRS);
            out.addAll(Pairing.examples(dir.root().relativize(f), read(f), trainById, ids));
        }
        return out;
    }

    /** Evaluates {@code model} on the held-out prompts and writes eval_samples.jsonl and eval.json. */
    private void evaluate(int r, Transformer model, ObjectNode m) {
        long t0 = System.nanoTime();
        List<ObjectNode> base = r == 0 ? null : read(dir.file(0, EVAL_SAMPLES));
        Evaluation.Result e = evaluation.run(sampler(model), model, initial, base);
        createDirectories(dir.round(r));
        Jsonl.write(dir.file(r, EVAL_SAMPLES), e.rows());
        ObjectNode json = Jsonl.JSON.createObjectNode();
        e.metrics().forEach((k, v) -> { if (Double.isFinite(v)) json.put(k, v); else json.putNull(k); });
        Jsonl.writePretty(dir.file(r, EVAL), json);
        m.with("timings").put("eval", seconds(t0));
    }

    // ---- bookkeeping ----

    /** The round's line: its eval keys, counts, timings and last training log, appended to rounds.jsonl; then the report. */
    private void finish(int r, ObjectNode m) {
        if (r > 0 && !m.has("scorers")) {
            List<ObjectNode> samples = read(dir.file(r, SAMPLES));
            m.set("scorers", org.jpo.eval.ScorerMetrics.of(samples));
            m.set("scorer_agreement", org.jpo.eval.ScorerMetrics.agreement(samples));
        }
        ObjectNode line = Jsonl.JSON.createObjectNode().put("round", r);
        line.setAll(RunDir.readJson(dir.file(r, EVAL)));
        for (String k : List.of("counts", "timings", "train", "scorers", "scorer_agreement")) if (m.has(k)) line.set(k, m.get(k));
        if (r > 0) {
            m.put("finished", true);
            Jsonl.writePretty(dir.file(r, MANIFEST), m);
        }
        List<ObjectNode> lines = new ArrayList<>(dir.finished());
        lines.add(line);
        Jsonl.write(dir.root().resolve(ROUNDS), lines);
        Rounds.print(lines, System.out);
        org.jpo.eval.Report.write(dir.root());
    }

    /** Records the output's hash and writes the manifest, so a later resume can tell a finished phase from a tampered one. */
    private void save(int r, ObjectNode m, String output) {
        if (dir.has(r, output) && !m.with("outputs").has(output)) m.with("outputs").put(output, RunDir.sha256(dir.file(r, output)));
        Jsonl.writePretty(dir.file(r, MANIFEST), m);
    }

    /** A finished phase's output must be what the manifest recorded; an edited one is an error, not silently reused. */
    private void verifyOutputs(int r, ObjectNode m) {
        m.with("outputs").fields().forEachRemaining(e -> {
            Path f = dir.file(r, e.getKey());
            if (Files.exists(f) && !RunDir.sha256(f).equals(e.getValue().asText())) {
                throw new UserError(f + " changed after the run wrote it (sha256 differs from " + dir.file(r, MANIFEST)
                        + "); restore it, or delete it and the files after it to redo those phases");
            }
        });
    }

    private ObjectNode newManifest(int r) {
        ObjectNode m = Jsonl.JSON.createObjectNode().put("round", r);
        m.put("config", c.toYaml().lines().filter(l -> !l.strip().startsWith("#") && !l.isBlank()).collect(java.util.stream.Collectors.joining("\n")));
        m.putObject("seeds").put("run", c.seed()).put("sampling", Seeds.of(c.seed(), r, 0x5A3L))
                .put("initial_sampling", Seeds.of(c.seed(), r, 0x1A17L)).put("eval_sampling", Seeds.of(c.seed(), 0xE7A1L, 1))
                .put("train", c.trainConfig(r, c.policy(), dir.file(r, TRAIN), c.policy(), c.prompts().file()).seed());
        m.set("inputs", inputs);
        m.putObject("versions").put("jpo", Versions.JPO).put("libtorch", Versions.libtorch()).put("java", System.getProperty("java.version"));
        m.putObject("timings");
        return m;
    }

    private void timed(ObjectNode m, String phase, Runnable body) {
        long t0 = System.nanoTime();
        body.run();
        m.with("timings").put(phase, seconds(t0));
    }

    private boolean stopEarly() {
        List<ObjectNode> done = dir.finished();
        boolean stop = Rounds.patienceRanOut(done, c.earlyStop().patience(), c.earlyStop().metric());
        if (stop) log.info("early stop: {} has not improved for {} rounds (best: round {})", c.earlyStop().metric(), c.earlyStop().patience(),
                Rounds.best(done, c.earlyStop().metric()).orElse(0));
        return stop;
    }

    /** The policy's sampler: the weights in memory, or the server that holds them (see {@link #serve}). */
    private Sampler sampler(Transformer model) { return server.isPresent() ? server.get().sampler(tok) : local(model); }

    private LocalSampler local(Transformer model) { return new LocalSampler(model, stopIds, c.sampling().batchSize()); }

    /**
     * Scopes the request cache to (round, phase), the servers' state, so a resumed run is answered from the cache and a
     * later round never is; engine remote: puts {@code checkpoint} on the server first.
     */
    private void serve(int r, String phase, Path checkpoint, ObjectNode m) {
        scope.set("round-%03d/%s".formatted(r, phase));
        server.ifPresent(s -> s.hold(checkpoint, m));
    }

    private void replacePolicy(Path checkpoint) {
        policy.close();
        policy = Checkpoints.load(checkpoint);
    }

    private static void deleteTrainingCheckpoints(Path out) {
        if (!Files.isDirectory(out)) return;
        try (var s = Files.list(out)) {
            for (Path p : s.filter(x -> x.getFileName().toString().matches("checkpoint-\\d+|final")).toList()) Trees.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<ObjectNode> read(Path f) { return Jsonl.read(f).stream().map(Jsonl.Line::json).toList(); }

    private static double seconds(long t0) { return Math.round((System.nanoTime() - t0) / 1e7) / 100.0; }

    private static void createDirectories(Path d) {
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + d + ": " + e.getMessage(), e);
        }
    }

    @Override public void close() {
        if (policy != null) policy.close();
        if (initial != null) initial.close();
        if (feedback != null) feedback.close();
        tok.close();
    }
}
