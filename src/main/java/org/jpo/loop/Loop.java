package org.jpo.loop;

import org.jpo.Seeds;
import org.jpo.UserError;
import org.jpo.data.Example;
import org.jpo.data.IdExamples;
import org.jpo.data.PairRowExamples;
import org.jpo.dist.Dist;
import org.jpo.dist.Shards;
import org.jpo.eval.EvalResult;
import org.jpo.eval.Evaluation;
import org.jpo.eval.Report;
import org.jpo.eval.RoundRecord;
import org.jpo.eval.RoundRecord.Phase;
import org.jpo.eval.ScorerMetrics;
import org.jpo.feedback.Feedback;
import org.jpo.feedback.ScoredRows;
import org.jpo.feedback.ScorerContext;
import org.jpo.io.DirLock;
import org.jpo.io.Jsonl;
import org.jpo.io.RunDir;
import org.jpo.io.Targets;
import org.jpo.io.Trees;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.pairs.Opponents;
import org.jpo.pairs.PairRow;
import org.jpo.pairs.PairRows;
import org.jpo.pairs.Strategy;
import org.jpo.pairs.TreePairs;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Mixture;
import org.jpo.sampling.OpenAiClient;
import org.jpo.sampling.PromptRow;
import org.jpo.sampling.SampleRow;
import org.jpo.sampling.Sampler;
import org.jpo.sampling.Samples;
import org.jpo.sampling.SamplingParams;
import org.jpo.sampling.TreeRow;
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
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.jpo.io.RunDir.RoundFile.*;

/**
 * The iterative loop, a recipe read top to bottom: evaluate the starting policy, then each round sample → score →
 * pair → train → evaluate → save. Every phase leaves a complete file (or directory) in the round's folder, so a
 * killed run continues, with {@code --resume}, from the last completed phase and ends with the same weights as an
 * uninterrupted one: a phase's inputs are all on disk or recomputed from seeds.
 *
 * <p>Owns two models: {@code initial} (the starting policy: KL to it, anchored samples) and {@code policy} (trained in
 * place each round, sampled from without a save and reload).
 *
 * <p>egpo (extragradient, arXiv:2503.08942) trains twice in its train phase, each step a phase of its own under
 * {@code round-NNN/half/}: a copy of the round's start π_t trained on the round's pairs is the extrapolation π_{t+½}; its
 * samples of the same prompts, scored and paired, are what the policy, still π_t, then trains on.
 */
public final class Loop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Loop.class);

    private final LoopConfig c;
    private final RunDir dir;
    /** This process is the directory's one writer while it holds this. */
    private final DirLock lock;
    private final Tokenizer tok;
    private final Feedback feedback;
    /** eval.feedback's scorers, or {@link #feedback} itself when it lists none. */
    private final Feedback evalFeedback;
    private final Prompts.Split prompts;
    private final Map<String, PromptRow> trainById = new LinkedHashMap<>();
    private final Set<Integer> stopIds;
    private final List<Path> tokenizerFiles;
    private final Map<String, String> inputs;
    private final Evaluation evaluation;
    private final Transformer initial;
    private Transformer policy;
    /** engine remote: the server that holds the policy. */
    private final Optional<PolicyServer> server;
    /** The request cache's directory for the servers' present state: round-NNN/{sample,eval}. */
    private final AtomicReference<String> scope = new AtomicReference<>("");
    /** The ranks of a data-parallel run: each samples, scores and evaluates its share of the prompts; rank 0 writes. */
    private final Shards shards;

    /** Checks everything that can be checked (config, run directory, prompts, the fields scorers read) before any work. */
    public static Loop open(LoopConfig c, boolean resume) {
        RunDir dir = new RunDir(c.outputDir());
        // data parallel: every rank joins first, so a rank that stops below ends the others at once
        Shards shards = new Shards(Dist.join(c.dist()));
        if (shards.world() > 1 && c.extragradient()) {
            throw new UserError("train.loss_type egpo with WORLD_SIZE " + shards.world() + ": its round samples and trains the extrapolated "
                    + "policy π_{t+½} in one process; run the loop as one process");
        }
        if (shards.world() > 1 && c.sampling().engine() == LoopConfig.Engine.REMOTE) {
            throw new UserError("sampling.engine: remote with WORLD_SIZE " + shards.world() + ": a server samples for the run already "
                    + "(scale it instead); run the loop as one process, or use engine: local");
        }
        if (shards.leader()) {
            Targets.requireWritableDirectory(c.outputDir(), "output_dir");
            Resume.checkConfig(dir, c, resume);   // early, before the models load; again under the lock
        }
        return new Loop(c, dir, resume, shards);
    }

    private Loop(LoopConfig c, RunDir dir, boolean resume, Shards shards) {
        this.c = c;
        this.dir = dir;
        this.shards = shards;
        this.tok = Tokenizers.require(c.policy(), c.tokenizer());
        try {
            Optional<ChatTemplate> template = ChatTemplate.load(c.tokenizer().orElse(c.policy()));
            this.initial = Checkpoints.load(c.policy());
            Tokenizers.requireSameVocab(tok, initial.config().vocabSize(), c.tokenizer().map(Path::toString).orElse(""), c.policy());
            int window = initial.config().contextLimit();
            if (c.sampling().maxNewTokens() >= window) {
                throw new UserError("sampling.max_new_tokens is " + c.sampling().maxNewTokens() + " but the policy's context window is " + window
                        + " tokens, prompt included; set it below " + window);
            }
            Path cache = c.outputDir().resolve("cache/requests");
            this.server = c.sampling().engine() == LoopConfig.Engine.REMOTE
                    ? Optional.of(new PolicyServer(c.sampling(), cache, scope::get)) : Optional.empty();
            ScorerContext context = new ScorerContext(Optional.of(cache),
                    Optional.of(new ScorerContext.Policy(() -> policy != null ? policy : initial, tok)), scope::get);
            this.feedback = Feedback.open(c.feedback(), context);
            if (c.nashMd() && !feedback.pairwise()) {
                throw new UserError("feedback: loss_type nash_md needs P(y ≻ y′) of each sample and its opponent, which only a pairwise "
                        + "scorer gives (e.g. {type: pairwise_judge, ...}); " + feedback.scorerNames() + " scores completions one at a time");
            }
            this.evalFeedback = c.eval().feedback().isEmpty() ? feedback : Feedback.open(c.eval().feedback(), context);
            var p = c.prompts();
            // the prompts file holds the eval split too (eval_fraction) unless eval_file is given: it needs both sets of fields
            List<String> fields = new ArrayList<>(feedback.requiredFields());
            if (p.evalFile().isEmpty()) evalFeedback.requiredFields().stream().filter(f -> !fields.contains(f)).forEach(fields::add);
            List<PromptRow> all = Prompts.read(p.file(), tok, template, fields, window);
            Optional<List<PromptRow>> eval = p.evalFile().map(f -> Prompts.read(f, tok, template, evalFeedback.requiredFields(), window));
            this.prompts = Prompts.split(all, eval, p.evalFraction(), p.evalLimit(), c.seed(), p.file());
            if (c.prompts().perRound() > prompts.train().size()) {
                throw new UserError(p.file() + ": prompts.per_round is " + p.perRound() + " but only " + prompts.train().size()
                        + " prompts are left for training");
            }
            prompts.train().forEach(r -> trainById.put(r.id(), r));
            this.stopIds = LocalSampler.stopIds(initial, tok);
            this.tokenizerFiles = Checkpoints.tokenizerFiles(c.policy(), c.tokenizer());
            this.inputs = Resume.inputHashes(c);
            // the first write is below: under the lock, check again (another run may have started meanwhile); rank 0 alone writes
            this.lock = shards.leader() ? DirLock.take(dir.root()) : null;
            if (shards.leader()) {
                Resume.checkConfig(dir, c, resume);
                Resume.verifyInputs(dir, c, inputs);
            }
            var s = c.sampling();
            this.evaluation = new Evaluation(tok, evalFeedback, prompts.eval(), new SamplingParams(c.eval().samples(), s.maxNewTokens(),
                    s.temperature(), s.topK(), s.topP(), false, Seeds.of(c.seed(), 0xE7A1L, 1)), c.eval().passThreshold());
            if (shards.leader()) {
                Files.createDirectories(dir.root());
                Resume.writeConfig(dir, c);
            }
            shards.requireSame("the resolved config", c.toYaml() + "\n" + inputs, "comparing the ranks' configs");
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot create output_dir " + c.outputDir() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Runs (or continues) every round; returns the rounds.jsonl lines. */
    public List<RoundRecord> run() {
        try {
            return rounds();
        } catch (OpenAiClient.HttpError | UncheckedIOException e) {
            // a server that stayed down past the retries (or a full disk): what finished is on disk, the answers so far cached
            throw new UserError(scope.get() + ": " + e.getMessage() + "; nothing finished is lost: run again with --resume", e);
        }
    }

    private List<RoundRecord> rounds() {
        List<RoundRecord> done = finished();
        int last = done.isEmpty() ? -1 : done.get(done.size() - 1).round();
        if (last >= c.rounds() && shards.leader()) {
            System.out.println("finished: all " + c.rounds() + " rounds are done in " + dir.root() + " (raise rounds to run more)");
        } else if (last >= 0) {
            log.info("resuming {} after round {}", dir.root(), last);
        }
        if (last < c.rounds() || last < 0) log.info(plan(last));
        if (last < 0) {
            Manifest m = Manifest.start(0, "", c.seed(), inputs);
            serve(0, "eval", c.policy(), m);
            evaluate(0, initial, m);
            finish(0, m);
        }
        if (last < c.rounds() && !stopEarly()) {
            policy = Checkpoints.load(last >= 1 ? dir.file(last, CHECKPOINT) : c.policy());
            for (int r = Math.max(1, last + 1); r <= c.rounds() && !stopEarly(); r++) round(r);
        }
        if (shards.leader()) dir.linkBest(Rounds.best(finished(), c.earlyStop().metric()), c.policy());
        return finished();
    }

    // ---- one round ----

    /** sample → score → pair → train → evaluate → save; a phase whose output exists finished before a restart. */
    private void round(int r) {
        Phases phases = Phases.open(dir, r, () -> Manifest.start(r, configKeys(), c.seed(), inputs), shards);
        Manifest m = phases.manifest();
        if (!m.hasModel()) m.before(policy.checksum());
        List<PromptRow> ps = Prompts.forRound(prompts.train(), c.prompts().perRound(), c.seed(), r);
        Path start = start(r);
        phases.run(SAMPLES, () -> {
            if (c.sampling().tree().isPresent()) {   // the search scores as it samples: one phase writes trees and samples
                serve(r, "sample", start, m);
                timed(m, Phase.SAMPLE, () -> searchTrees(r, ps, m));
                return;
            }
            phases.run(COMPLETIONS, () -> {
                serve(r, "sample", start, m);
                timed(m, Phase.SAMPLE, () -> sample(r, ps, m));
            });
            serve(r, "sample", start, m);   // judges of the policy's own server judge with the weights that sampled
            timed(m, Phase.SCORE, () -> score(r));
        });
        phases.record(TREES);
        phases.run(PAIRS, () -> pair(r, m));
        if (!phases.run(CHECKPOINT, () -> train(r, m, phases))) replacePolicy(dir.file(r, CHECKPOINT));   // trained before a restart
        phases.record(REFERENCE);   // ema: written with the checkpoint; the next round trains against it
        m.after(policy.checksum());
        phases.run(EVAL, () -> {
            serve(r, "eval", dir.file(r, CHECKPOINT), m);
            evaluate(r, policy, m);
        });
        finish(r, m);
    }

    /**
     * n completions per prompt from the policy (and, for anchored, from the initial policy; for nash_md, n opponents from the
     * mixture of the policy and the round's reference), written unscored.
     */
    private void sample(int r, List<PromptRow> ps, Manifest m) {
        SamplingParams params = samplingParams(Seeds.of(c.seed(), r, 0x5A3L));
        List<PromptRow> mine = shards.mine(ps);   // seeds are per (round, prompt, sample): a share samples what one process would
        List<SampleRow> rows = new ArrayList<>(shards.gather(Samples.draw(sampler(policy), mine, params, tok, SampleRow.Policy.CURRENT, 0, false),
                SampleRow.class, "gathering samples"));
        Long initialSeed = null;
        if (c.pairs().strategy() == Strategy.ANCHORED) {
            SamplingParams initialParams = samplingParams(Seeds.of(c.seed(), r, 0x1A17L));
            // the server holds the policy, not the starting model: its samples are drawn here
            rows.addAll(shards.gather(Samples.draw(local(initial), mine, initialParams, tok, SampleRow.Policy.INITIAL, params.n(), false),
                    SampleRow.class, "gathering the initial policy's samples"));
            initialSeed = initialParams.seed();
        }
        if (c.nashMd()) {
            // sample k's opponent is the mixture's sample k, from a stream of its own (at β = 0 the same seeds would draw y itself)
            SamplingParams mixtureParams = samplingParams(Seeds.of(c.seed(), r, 0x313DL));
            withReference(r, mu -> rows.addAll(shards.gather(Samples.draw(local(policy).mixedWith(new Mixture(mu, c.mixtureCoef())), mine,
                    mixtureParams, tok, SampleRow.Policy.MIXTURE, params.n(), false), SampleRow.class, "gathering the mixture's samples")));
            m.usedMixtureSeed(mixtureParams.seed());
        }
        m.usedSeeds(params.seed(), initialSeed, null, null);
        if (shards.leader()) Jsonl.write(dir.file(r, COMPLETIONS), rows);
    }

    /**
     * sampling.tree: one search tree per prompt, its evaluations scored as it goes; trees.jsonl, then samples.jsonl. Seeds
     * are per (run seed, round, prompt, simulation), so a share of the prompts searches what one process would.
     */
    private void searchTrees(int r, List<PromptRow> ps, Manifest m) {
        long seed = Seeds.of(c.seed(), r, 0x7EE5L);
        TreeSampling.Result mine = TreeSampling.run(c.sampling().tree().orElseThrow(), c.sampling(), local(policy), tok, stopIds, shards.mine(ps),
                trainById, feedback, seed);
        List<TreeRow> nodes = shards.gather(mine.nodes(), TreeRow.class, "gathering search trees");
        List<SampleRow> samples = shards.gather(mine.samples(), SampleRow.class, "gathering the trees' evaluations");
        m.usedSeeds(seed, null, null, null);
        if (!shards.leader()) return;
        Jsonl.write(dir.file(r, TREES), nodes);
        Jsonl.write(dir.file(r, SAMPLES), samples);
    }

    private SamplingParams samplingParams(long seed) {
        var s = c.sampling();
        return new SamplingParams(s.n(), s.maxNewTokens(), s.temperature(), s.topK(), s.topP(), false, seed);
    }

    /**
     * Scores the completions; several ranks score the prompts of their share, and every row comes back to its place. A
     * prompt's samples are scored together; nash_md's in matches, each policy sample with its opponent alone.
     */
    private void score(int r) {
        int n = c.sampling().n();
        Function<SampleRow, String> set = c.nashMd() ? s -> s.promptId() + "\u0000" + Opponents.match(s, n) : SampleRow::promptId;
        List<SampleRow> scored = shards.byGroup(Jsonl.read(dir.file(r, COMPLETIONS), SampleRow.class), SampleRow::promptId,
                rows -> ScoredRows.score(rows, trainById, feedback, set), SampleRow.class, "gathering scores");
        if (shards.leader()) {
            Jsonl.write(dir.file(r, SAMPLES), scored);
            Trees.delete(dir.file(r, COMPLETIONS));
        }
    }

    private void pair(int r, Manifest m) {
        List<SampleRow> samples = Jsonl.read(dir.file(r, SAMPLES), SampleRow.class);
        int scored = (int) samples.stream().filter(x -> x.score() != null).count();
        if (c.pairs().strategy() == Strategy.TREE) {
            Map<String, String> texts = new LinkedHashMap<>();
            trainById.forEach((id, p) -> texts.put(id, p.text()));
            TreePairs.Result p = TreePairs.build(Jsonl.read(dir.file(r, TREES), TreeRow.class), samples, texts, c.pairs().minMargin());
            if (shards.leader()) Jsonl.write(dir.file(r, PAIRS), p.rows());
            m.counts(RoundRecord.Counts.of(p.counts(), scored));
            m.tree(p.stats());
            return;
        }
        PairRows.Rows p = PairRows.build(samples, c.pairs(), c.seed(), r, tok.eosId(), c.winProbScores(), c.advantages());
        if (shards.leader()) Jsonl.write(dir.file(r, PAIRS), p.rows());
        RoundRecord.Counts counts = RoundRecord.Counts.of(p.outcome().counts(), scored);
        if (c.pairs().strategy() == Strategy.GROUP) {
            counts = counts.withAdvantages(p.outcome().counts().grouped(), p.outcome().grouped().stream().mapToDouble(g -> g.advantage()).toArray());
        }
        if (c.pairs().strategy() == Strategy.LIST) counts = counts.withLists(p.outcome().counts().lists());
        m.counts(counts);
    }

    /**
     * Trains the policy on this round's rows (and the last history − 1 rounds'), then applies momentum and the EMA. egpo
     * trains on the rows of its extrapolation π_{t+½} instead, made first.
     */
    private void train(int r, Manifest m, Phases phases) {
        Path start = start(r);
        List<Path> rowFiles = new ArrayList<>();
        for (int k = Math.max(1, r - c.pairs().history() + 1); k <= r; k++) rowFiles.add(dir.file(k, PAIRS));
        if (c.extragradient()) {
            phases.run(HALF_CHECKPOINT, () -> extrapolate(r, m));
            phases.run(HALF_SAMPLES, () -> sampleHalf(r, m));
            phases.run(HALF_PAIRS, () -> pairHalf(r, m));
            rowFiles = List.of(dir.file(r, HALF_PAIRS));
        }
        Path ref = reference(r);
        Path out = dir.file(r, TRAIN);
        TrainConfig tc = c.trainConfig(r, start, out, ref, rowFiles.get(rowFiles.size() - 1));
        m.usedSeeds(null, null, null, tc.seed());
        List<Example> examples = trainingRows(rowFiles, tc);
        m.counts(m.counts().withTrainingRows(examples.size()));
        if (examples.isEmpty()) {
            log.warn("round {}: no training rows (every prompt's samples tied, or were missing); the policy is unchanged", r);
        } else {
            Optional<Path> from = Files.isDirectory(out) ? Trainer.latestCheckpoint(out) : Optional.empty();
            from.ifPresent(this::replacePolicy);   // killed mid-training: continue from its last checkpoint
            long t0 = System.nanoTime();
            Run<?> run = Runs.prepareRound(tc, examples, policy, from, dir.root().resolve("cache"), c.sampling().maxNewTokens());
            m.seconds(Phase.REFERENCE_LOGPS, seconds(t0));
            long t1 = System.nanoTime();
            Trainer.Result res = Trainer.train(run, from);
            m.seconds(Phase.TRAIN, seconds(t1));
            m.trained(res.lastLog(), res.startStep(), res.trainableParameters());
            // LoRA: the round's adapters fold into the policy, so the round's checkpoint, momentum and EMA see full weights
            if (policy.lora().isPresent()) policy.mergeLora();
        }
        if (c.momentum() > 0) {
            try (Transformer old = Checkpoints.load(start)) { Updates.momentum(policy, old, c.momentum()); }
        }
        if (c.reference() == LoopConfig.ReferenceMode.EMA) {
            try (Transformer reference = Checkpoints.load(ref)) {
                Updates.ema(reference, policy, c.emaRate());
                if (shards.leader()) Checkpoints.save(reference, dir.file(r, REFERENCE), tokenizerFiles);
            }
        }
        if (!shards.leader()) return;
        Checkpoints.save(policy, dir.file(r, CHECKPOINT), tokenizerFiles);
        deleteTrainingCheckpoints(out);
    }

    /** The rows of {@code files} (pairs.jsonl of this round and the history − 1 before it), as examples of the round's method. */
    private List<Example> trainingRows(List<Path> files, TrainConfig tc) {
        IdExamples ids = new IdExamples(tc.data(), tok.bosId());
        List<Example> out = new ArrayList<>();
        for (Path f : files) out.addAll(PairRowExamples.of(dir.root().relativize(f), Jsonl.read(f, PairRow.class), trainById, ids));
        return out;
    }

    // ---- egpo's extrapolation (Zhou et al., arXiv:2503.08942): θ_{t+½} from θ_t on π_t's pairs ----

    /**
     * A copy of the round's start π_t, trained on the round's pairs as the policy itself would be (same config, seed and
     * reference), is π_{t+½}; the policy in memory stays π_t. Killed mid-training, it continues from half/train's checkpoint.
     */
    private void extrapolate(int r, Manifest m) {
        Path out = dir.file(r, HALF_TRAIN);
        TrainConfig tc = c.trainConfig(r, start(r), out, c.policy(), dir.file(r, PAIRS));
        List<Example> examples = trainingRows(List.of(dir.file(r, PAIRS)), tc);
        Optional<Path> from = Files.isDirectory(out) ? Trainer.latestCheckpoint(out) : Optional.empty();
        try (Transformer half = Checkpoints.load(from.orElse(start(r)))) {
            if (examples.isEmpty()) {
                log.warn("round {}: no training rows for the extrapolation; π_(t+½) is π_t", r);
            } else {
                long t0 = System.nanoTime();
                Run<?> run = Runs.prepareRound(tc, examples, half, from, dir.root().resolve("cache"), c.sampling().maxNewTokens());
                m.half(m.half().seconds(Phase.REFERENCE_LOGPS, seconds(t0)));
                long t1 = System.nanoTime();
                Trainer.Result res = Trainer.train(run, from);
                m.half(m.half().with(null, null, res.lastLog()).seconds(Phase.TRAIN, seconds(t1)));
                if (half.lora().isPresent()) half.mergeLora();
            }
            Checkpoints.save(half, dir.file(r, HALF_CHECKPOINT), tokenizerFiles);
        }
        deleteTrainingCheckpoints(out);
    }

    /** π_{t+½}'s samples of the round's prompts (a seed of their own), scored by the round's feedback. */
    private void sampleHalf(int r, Manifest m) {
        List<PromptRow> ps = Prompts.forRound(prompts.train(), c.prompts().perRound(), c.seed(), r);
        SamplingParams params = samplingParams(Seeds.of(c.seed(), r, 0x4A1FL));
        scope.set("round-%03d/half".formatted(r));   // the judges' answers are cached for a resumed run
        List<SampleRow> rows;
        long t0 = System.nanoTime();
        try (Transformer half = Checkpoints.load(dir.file(r, HALF_CHECKPOINT))) {
            rows = Samples.draw(local(half), ps, params, tok, SampleRow.Policy.CURRENT, 0, false);
        }
        m.half(m.half().with(params.seed(), null, null).seconds(Phase.SAMPLE, seconds(t0)));
        long t1 = System.nanoTime();
        List<SampleRow> scored = ScoredRows.score(rows, trainById, feedback);
        m.half(m.half().seconds(Phase.SCORE, seconds(t1)));
        Jsonl.write(dir.file(r, HALF_SAMPLES), scored);
    }

    private void pairHalf(int r, Manifest m) {
        List<SampleRow> samples = Jsonl.read(dir.file(r, HALF_SAMPLES), SampleRow.class);
        int scored = (int) samples.stream().filter(x -> x.score() != null).count();
        PairRows.Rows p = PairRows.build(samples, c.pairs(), c.seed(), r, tok.eosId(), c.winProbScores(), c.advantages());
        Jsonl.write(dir.file(r, HALF_PAIRS), p.rows());
        m.half(m.half().with(null, RoundRecord.Counts.of(p.outcome().counts(), scored), null));
    }

    /** Evaluates {@code model} on the held-out prompts and writes eval_samples.jsonl and eval.json. */
    private void evaluate(int r, Transformer model, Manifest m) {
        long t0 = System.nanoTime();
        List<SampleRow> base = r == 0 ? null : Jsonl.read(dir.file(0, EVAL_SAMPLES), SampleRow.class);
        Evaluation.Result e = evaluation.run(sampler(model), model, initial, base, shards);
        if (shards.leader()) {
            RunDir.createDirectories(dir.round(r));
            Jsonl.write(dir.file(r, EVAL_SAMPLES), e.rows());
            Jsonl.writePretty(dir.file(r, EVAL), e.metrics());
        }
        m.usedSeeds(null, null, evaluation.sampled().seed(), null);
        m.seconds(Phase.EVAL, seconds(t0));
    }

    // ---- bookkeeping ----

    /** The round's line: its eval keys, counts, timings and last training log, appended to rounds.jsonl; then the report. */
    private void finish(int r, Manifest m) {
        if (!shards.leader()) {
            shards.barrier("waiting for rank 0 to finish round " + r);
            return;
        }
        if (r > 0 && !m.hasScorers()) {
            List<SampleRow> samples = Jsonl.read(dir.file(r, SAMPLES), SampleRow.class);
            m.scorers(ScorerMetrics.of(samples), ScorerMetrics.agreement(samples));
        }
        RoundRecord line = new RoundRecord(r, RunDir.readJson(dir.file(r, EVAL), EvalResult.class), m.counts(), m.timings(), m.train(),
                m.scorers(), m.scorerAgreement(), m.tree());
        if (r > 0) {
            m.finish();
            Jsonl.writePretty(dir.file(r, MANIFEST), m);
        }
        List<RoundRecord> lines = new ArrayList<>(finished());
        lines.add(line);
        Jsonl.write(dir.file(RunDir.ROUNDS), lines);
        Rounds.print(lines, System.out);
        Report.write(dir.root());
        shards.barrier("finishing round " + r);
    }

    /** The rounds whose line is in rounds.jsonl: finished, in order (0 is the starting policy's eval). */
    private List<RoundRecord> finished() {
        Path f = dir.file(RunDir.ROUNDS);
        return Files.exists(f) ? Jsonl.read(f, RoundRecord.class) : List.of();
    }

    /** The resolved config's key lines, for the manifest. */
    private String configKeys() {
        return c.toYaml().lines().filter(l -> !l.strip().startsWith("#") && !l.isBlank()).collect(Collectors.joining("\n"));
    }

    /** The sampling still to do, before it starts: a run of 39 hours is the user's right, but not a surprise. */
    private String plan(int last) {
        var s = c.sampling();
        // anchored samples the initial policy too, nash_md its opponents, egpo its extrapolation π_{t+½}
        int from = Math.max(1, last + 1), rounds = c.rounds() - from + 1,
                anchored = c.pairs().strategy() == Strategy.ANCHORED || c.nashMd() || c.extragradient() ? 2 : 1;
        if (s.tree().isPresent() && rounds > 0) {   // a simulation draws at most children steps and children × rollouts rollouts
            var t = s.tree().get();
            long rows = (long) rounds * c.prompts().perRound() * t.simulations() * t.children() * (1 + t.rollouts());
            return String.format("plan: rounds %d-%d, %,d search trees of %d simulations (at most %,d steps and rollouts of at most %,d tokens), "
                    + "then the eval", from, c.rounds(), rounds * c.prompts().perRound(), t.simulations(), rows, s.maxNewTokens());
        }
        long samples = (long) rounds * c.prompts().perRound() * s.n() * anchored;
        long evals = (long) (rounds + (last < 0 ? 1 : 0)) * prompts.eval().size() * (1 + c.eval().samples());
        String which = rounds > 0 ? String.format("rounds %d-%d", from, c.rounds()) : "evaluation only (rounds: 0)";
        return String.format("plan: %s, %,d samples and %,d eval completions of at most %,d tokens (%,d tokens at most)",
                which, Math.max(0, samples), evals, s.maxNewTokens(), (Math.max(0, samples) + evals) * s.maxNewTokens());
    }

    /** The policy round {@code r} starts from. */
    private Path start(int r) { return r == 1 ? c.policy() : dir.file(r - 1, CHECKPOINT); }

    /** Round {@code r}'s reference policy (reference:): what its loss reads, and nash_md's opponents mix in. */
    private Path reference(int r) {
        return switch (c.reference()) {
            case INITIAL -> c.policy();
            case PREVIOUS_ROUND -> start(r);
            case EMA -> r == 1 ? c.policy() : dir.file(r - 1, REFERENCE);
        };
    }

    /** Runs {@code body} on round r's reference, before it trains: the starting model or the policy in memory, else loaded for the call. */
    private void withReference(int r, Consumer<Transformer> body) {
        Path ref = reference(r);
        if (ref.equals(c.policy())) body.accept(initial);
        else if (ref.equals(start(r))) body.accept(policy);
        else try (Transformer mu = Checkpoints.load(ref)) { body.accept(mu); }
    }

    private void timed(Manifest m, Phase phase, Runnable body) {
        long t0 = System.nanoTime();
        body.run();
        m.seconds(phase, seconds(t0));
    }

    private boolean stopEarly() {
        List<RoundRecord> done = finished();
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
    private void serve(int r, String phase, Path checkpoint, Manifest m) {
        scope.set("round-%03d/%s".formatted(r, phase));
        server.ifPresent(s -> s.hold(checkpoint).ifPresent(took -> m.addSeconds(Phase.SYNC, took)));
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

    private static double seconds(long t0) { return Math.round((System.nanoTime() - t0) / 1e7) / 100.0; }

    @Override public void close() {
        if (policy != null) policy.close();
        if (initial != null) initial.close();
        if (evalFeedback != null && evalFeedback != feedback) evalFeedback.close();
        if (feedback != null) feedback.close();
        tok.close();
        if (lock != null) lock.close();
    }
}
