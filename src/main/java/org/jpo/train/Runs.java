package org.jpo.train;

import org.jpo.data.DataStats;
import org.jpo.data.Dataset;
import org.jpo.data.Datasets;
import org.jpo.data.Example;
import org.jpo.data.GroupExample;
import org.jpo.data.ListExample;
import org.jpo.data.PairExample;
import org.jpo.data.SftExample;
import org.jpo.data.UnpairedExample;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.io.RunDir;
import org.jpo.loss.GroupLoss;
import org.jpo.loss.ListLoss;
import org.jpo.loss.LossConfig;
import org.jpo.loss.LossType;
import org.jpo.loss.PreferenceLoss;
import org.jpo.loss.ReferencedLoss;
import org.jpo.loss.UnpairedLoss;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.Seeds;
import org.jpo.tokenizer.ChatTemplate;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Config → {@link Run}: tokenizer, datasets (with their counts), eval split, models, reference log-probs, objective. */
public final class Runs {
    private static final Logger log = LoggerFactory.getLogger(Runs.class);
    static final String DATA_STATS = "data_stats.json";

    private Runs() {}

    /**
     * Prepares the run; {@code resumeFrom} is the checkpoint whose weights the policy starts from, if resuming;
     * reference log-probs are cached under {@code cacheDir} (see {@link #defaultCacheDir}).
     */
    public static Run<?> prepare(TrainConfig c, Optional<Path> resumeFrom, Path cacheDir) {
        createOutputDir(c);
        if (ranks(c).leader()) Trainer.cleanTemporaries(c.outputDir());
        try (Tokenizer tok = Tokenizers.require(c.model(), c.tokenizer())) {
            Optional<ChatTemplate> template = ChatTemplate.load(c.tokenizer().orElse(c.model()));
            return switch (c.method()) {
                case DPO -> dpo(c, tok, template, resumeFrom, cacheDir);
                case KTO -> kto(c, tok, template, resumeFrom, cacheDir);
                case SFT -> sft(c, tok, template, resumeFrom);
                case REWARD -> RewardRuns.prepare(c, tok, template, resumeFrom);
                case PREFERENCE -> PreferenceRuns.prepare(c, tok, template, resumeFrom);
                case GROUP -> throw new UserError("method group trains on a round's own samples with their advantages: use jpo run with "
                        + "pairs.strategy: group");
                case LIST -> list(c, tok, template, resumeFrom, cacheDir);
            };
        }
    }

    /** The cache directory of {@code jpo train}: $JPO_CACHE_DIR, else the {@code jpo.cache.dir} property, else ~/.cache/jpo. */
    public static Path defaultCacheDir() {
        String env = System.getenv("JPO_CACHE_DIR"), prop = System.getProperty("jpo.cache.dir");
        return env != null ? Path.of(env) : prop != null ? Path.of(prop) : Path.of(System.getProperty("user.home"), ".cache", "jpo");
    }

    /** The trainer-side loss settings of the DPO family, read from the config in this one place. */
    static DpoObjective.Modifiers modifiers(TrainConfig c) {
        LossConfig.Knobs k = c.loss().knobs();
        return new DpoObjective.Modifiers(k.ldAlpha(), k.useWeighting(), k.marginWeighting(), k.bcoPair().runningMean(), c.speed().prefixSharing(),
                c.speed().logprobChunkSize());
    }

    /**
     * One round of the iterative loop: {@code examples} built from sampled token ids (all of the method's kind),
     * trained on {@code policy}, which the caller keeps (training updates its weights in place; see
     * {@link Transformer#borrowed}). No eval split; {@code resumeFrom} is a checkpoint of this round's training
     * whose weights the caller already loaded into {@code policy}. Reference log-probs are cached under {@code cacheDir}.
     * {@code maxCompletionLength} is the loop's sampling.max_new_tokens, dr_grpo's L_max.
     */
    @SuppressWarnings("unchecked")
    public static Run<?> prepareRound(TrainConfig c, List<? extends Example> examples, Transformer policy, Optional<Path> resumeFrom,
            Path cacheDir, int maxCompletionLength) {
        createOutputDir(c);
        if (ranks(c).leader()) Trainer.cleanTemporaries(c.outputDir());
        if (examples.isEmpty()) throw new UserError("no training rows this round");
        Transformer lent = LoraRuns.prepare(c, policy.borrowed());
        return switch (c.method()) {
            case DPO -> dpo(c, new Split<>((List<PairExample>) examples, List.of()), lent, resumeFrom, cacheDir);
            case KTO -> kto(c, new Split<>((List<UnpairedExample>) examples, List.of()), lent, cacheDir);
            case SFT -> run(c, new Split<>((List<SftExample>) examples, List.of()), new SftObjective(lent), false);
            case REWARD, PREFERENCE -> throw new IllegalArgumentException("the loop does not train reward or preference models");
            case GROUP -> group(c, (List<GroupExample>) examples, lent, resumeFrom, maxCompletionLength);
            case LIST -> list(c, new Split<>((List<ListExample>) examples, List.of()), lent, cacheDir);
        };
    }

    /**
     * The group methods: the sampling policy's per-token log-probs from {@code policy} as it is now, before the first step
     * (saved in output_dir; a resumed round reads them back), and the reference's when β &gt; 0.
     */
    private static Run<GroupExample> group(TrainConfig c, List<GroupExample> examples, Transformer policy, Optional<Path> resumeFrom,
            int maxCompletionLength) {
        GroupLoss loss = (GroupLoss) c.loss().create();
        DataParallel dp = ranks(c);
        int batch = c.opt().perDeviceEvalBatchSize();
        Path file = c.outputDir().resolve(CompletionLogps.OLD);
        double[][] old;
        if (resumeFrom.isPresent()) {
            old = CompletionLogps.read(file, examples);
        } else {
            old = CompletionLogps.compute("sampling policy log-probs", policy, examples, batch, dp);
            if (dp.leader()) CompletionLogps.write(file, old);
        }
        Optional<Map<Example, double[]>> reference = Optional.empty();
        if (loss.readsReference()) {
            double[][] ref = withReference(c, policy, c.reference().model().orElse(c.model()),
                    r -> CompletionLogps.compute("reference log-probs", r, examples, batch, dp));
            reference = Optional.of(byExample(examples, ref));
        }
        var objective = new GroupObjective(policy, loss, byExample(examples, old), reference, maxCompletionLength);
        return run(c, new Split<>(examples, List.of()), objective, false);
    }

    private static Run<ListExample> list(TrainConfig c, Tokenizer tok, Optional<ChatTemplate> t, Optional<Path> resumeFrom, Path cacheDir) {
        Split<ListExample> data = load(c, (file, split) -> Datasets.ranked(file, tok, t, c.data(), rejects(c, split)));
        return list(c, data, LoraRuns.prepare(c, Trainer.policy(c.model(), resumeFrom)), cacheDir);
    }

    /** The listwise losses: reference log-probs of every list's completions, cached as DPO's are, when the loss reads them. */
    private static Run<ListExample> list(TrainConfig c, Split<ListExample> data, Transformer policy, Path cacheDir) {
        ListLoss loss = (ListLoss) c.loss().create();
        boolean shared = c.speed().prefixSharing();
        int chunk = c.speed().logprobChunkSize();
        if (!loss.readsReference()) return run(c, data, new ListObjective(policy, loss, Optional.empty(), shared, chunk), false);
        List<ListExample> all = new ArrayList<>(data.train());
        all.addAll(data.eval());
        var outcome = withReference(c, policy, c.reference().model().orElse(c.model()),
                ref -> ReferenceLogps.lists(cacheDir, ref, ref.checksum(), all, c.opt().perDeviceEvalBatchSize(), shared, chunk, ranks(c)));
        return run(c, data, new ListObjective(policy, loss, Optional.of(outcome.values()), shared, chunk), outcome.hit());
    }

    private static Map<Example, double[]> byExample(List<GroupExample> examples, double[][] table) {
        Map<Example, double[]> out = new java.util.IdentityHashMap<>();
        for (int i = 0; i < examples.size(); i++) out.put(examples.get(i), table[i]);
        return out;
    }

    private static Run<PairExample> dpo(TrainConfig c, Tokenizer tok, Optional<ChatTemplate> t, Optional<Path> resumeFrom, Path cacheDir) {
        Split<PairExample> data = load(c, (file, split) -> Datasets.paired(file, tok, t, c.data(), rejects(c, split)));
        if (c.loss().create() instanceof UnpairedLoss) {
            throw new UserError("loss_type " + c.loss().lossType() + " is unpaired: use method: kto");
        }
        return dpo(c, data, LoraRuns.prepare(c, Trainer.policy(c.model(), resumeFrom)), resumeFrom, cacheDir);
    }

    private static Run<PairExample> dpo(TrainConfig c, Split<PairExample> data, Transformer policy, Optional<Path> resumeFrom, Path cacheDir) {
        PreferenceLoss loss = c.loss().create();
        if (c.loss().lossType().contains(LossType.SPPO)) requireWinProbs(data.train());
        DpoObjective.Modifiers mods = modifiers(c);
        if (!(loss instanceof ReferencedLoss)) {
            return run(c, data, new DpoObjective(policy, loss, new DpoObjective.None(), mods), false);
        }
        if (c.reference().none()) throw new UserError("reference: none, but loss_type " + c.loss().lossType() + " needs a reference");
        Path refPath = c.reference().model().orElse(c.model());
        boolean inpo = c.loss().lossType().contains(LossType.INPO);
        if (c.trDpo().syncRefModel()) {
            if (inpo) throw new UserError("loss_type inpo steps from the policy the training starts from, π_t, toward a fixed reference: "
                    + "set sync_ref_model: false");
            // TR-DPO moves the reference: it is a live model (saved with checkpoints), and nothing can be cached
            Transformer ref = Checkpoints.load(resumeFrom.map(p -> p.resolve("reference")).filter(Files::isDirectory).orElse(refPath));
            var live = new DpoObjective.Live(ref, c.trDpo().refModelMixupAlpha(), c.trDpo().refModelSyncSteps());
            return run(c, data, new DpoObjective(policy, loss, live, mods), false);
        }
        List<PairExample> all = new ArrayList<>(data.train());
        all.addAll(data.eval());
        var outcome = withReference(c, policy, refPath,
                ref -> ReferenceLogps.pairs(cacheDir, ref, ref.checksum(), all, c.opt().perDeviceEvalBatchSize(), mods, ranks(c)));
        // INPO's π_t: the model this training starts from (the loop's round start), as its weights are on disk
        var previous = inpo ? Optional.of(withReference(c, policy, c.model(), t -> ReferenceLogps.pairs(cacheDir, t, t.checksum(), all,
                c.opt().perDeviceEvalBatchSize(), mods, ranks(c))).values()) : Optional.<Map<org.jpo.data.Example, double[]>>empty();
        var objective = new DpoObjective(policy, loss, new DpoObjective.Cached(outcome.values(), previous), mods);
        return run(c, data, objective, outcome.hit());
    }

    /**
     * Runs {@code body} on the reference model: with LoRA training adapters on the reference's own weights, the
     * policy with its adapters switched off (no second copy of the weights); else the model at {@code refPath},
     * loaded for the call.
     */
    private static <T> T withReference(TrainConfig c, Transformer policy, Path refPath, Function<Transformer, T> body) {
        if (LoraRuns.baseIsReference(c, policy, refPath)) {
            try (var off = policy.adaptersOff()) { return body.apply(policy); }
        }
        try (Transformer ref = Checkpoints.load(refPath)) { return body.apply(ref); }
    }

    private static Run<UnpairedExample> kto(TrainConfig c, Tokenizer tok, Optional<ChatTemplate> t, Optional<Path> resumeFrom, Path cacheDir) {
        Split<UnpairedExample> data = load(c, (file, split) -> Datasets.unpaired(file, tok, t, c.data(), rejects(c, split)));
        if (!(c.loss().create() instanceof UnpairedLoss loss)) {
            throw new UserError("method: kto needs an unpaired loss_type (kto or apo_zero_unpaired), got " + c.loss().lossType());
        }
        if (c.reference().none()) throw new UserError("reference: none, but " + loss.name() + " needs a reference");
        return kto(c, data, LoraRuns.prepare(c, Trainer.policy(c.model(), resumeFrom)), cacheDir);
    }

    private static Run<UnpairedExample> kto(TrainConfig c, Split<UnpairedExample> data, Transformer policy, Path cacheDir) {
        UnpairedLoss loss = (UnpairedLoss) c.loss().create();
        return withReference(c, policy, c.reference().model().orElse(c.model()), ref -> {
            String sum = ref.checksum();
            var train = ReferenceLogps.unpaired(cacheDir, ref, sum, data.train(), c.opt().perDeviceEvalBatchSize(), ranks(c));
            var eval = ReferenceLogps.unpaired(cacheDir, ref, sum, data.eval(), c.opt().perDeviceEvalBatchSize(), ranks(c));
            var values = new java.util.IdentityHashMap<>(train.values());
            values.putAll(eval.values());
            return run(c, data, new KtoObjective(policy, loss, values, List.of(data.train(), data.eval())), train.hit());
        });
    }

    private static Run<SftExample> sft(TrainConfig c, Tokenizer tok, Optional<ChatTemplate> t, Optional<Path> resumeFrom) {
        Split<SftExample> data = load(c, (file, split) -> Datasets.sft(file, tok, t, c.data(), rejects(c, split)));
        return run(c, data, new SftObjective(LoraRuns.prepare(c, Trainer.policy(c.model(), resumeFrom))), false);
    }

    static <E extends Example> Run<E> run(TrainConfig c, Split<E> data, Objective<E> objective, boolean hit) {
        return new Run<>(c, data.train(), data.eval(), objective, Checkpoints.tokenizerFiles(c.model(), c.tokenizer()), hit, ranks(c));
    }

    /** Train and eval examples: eval_file, else a seeded eval_fraction of train_file, else none. */
    record Split<E extends Example>(List<E> train, List<E> eval) {}

    interface Loader<E extends Example> { Dataset<E> load(Path file, String split); }

    /** Loads the splits and writes what loading did to {@code output_dir/data_stats.json}: {"train": {...}, "eval": {...}}. */
    static <E extends Example> Split<E> load(TrainConfig c, Loader<E> loader) {
        Dataset<E> train = loader.load(c.trainFile(), "train");
        report(train.stats());
        if (train.examples().isEmpty()) throw new UserError(c.trainFile() + ": no usable examples (see the counts above)");
        ObjectNode stats = Jsonl.JSON.createObjectNode();
        ObjectNode trainStats = train.stats().toJson();
        stats.set("train", trainStats);
        Split<E> split;
        if (c.evalFile().isPresent()) {
            Dataset<E> eval = loader.load(c.evalFile().get(), "eval");
            report(eval.stats());
            stats.set("eval", eval.stats().toJson());
            split = new Split<>(train.examples(), eval.examples());
        } else if (c.evalFraction() > 0) {
            split = holdOut(c, train.examples());
            trainStats.put("held_out_for_eval", split.eval().size());
            stats.putObject("eval").put("file", c.trainFile().toString()).put("eval_fraction", c.evalFraction())
                    .put("examples", split.eval().size());
        } else {
            split = new Split<>(train.examples(), List.of());
        }
        if (ranks(c).leader()) Jsonl.writePretty(c.outputDir().resolve(DATA_STATS), stats);
        return split;
    }

    /** A seeded eval_fraction of the training examples held out for eval. */
    private static <E extends Example> Split<E> holdOut(TrainConfig c, List<E> examples) {
        List<E> shuffled = new ArrayList<>(examples);
        java.util.Collections.shuffle(shuffled, new java.util.Random(Seeds.of(c.seed(), 0xE7A1L)));
        int n = (int) Math.round(c.evalFraction() * shuffled.size());
        if (n == 0 || n == shuffled.size()) throw new UserError("eval_fraction " + c.evalFraction() + " leaves " + n + " of " + shuffled.size() + " examples for eval");
        // keep the training examples in file order (the batch order is shuffled per epoch anyway)
        List<E> evalSet = shuffled.subList(0, n);
        var evalIds = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<E, Boolean>());
        evalIds.addAll(evalSet);
        List<E> trainSet = examples.stream().filter(e -> !evalIds.contains(e)).toList();
        return new Split<>(trainSet, List.copyOf(evalSet));
    }

    /** Where on_bad_row: skip writes a split's bad rows (rank 0's; the other ranks' go to a file of their own that is deleted). */
    static Path rejects(TrainConfig c, String split) {
        if (ranks(c).leader()) return c.outputDir().resolve("rejects-" + split + ".jsonl");
        try {
            Path f = Files.createTempFile("jpo-rejects-" + split, ".jsonl");
            f.toFile().deleteOnExit();
            return f;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void report(DataStats s) {
        log.info("{}: {} rows → {} examples; truncated prompts {}, truncated completions {}, dropped empty {}, skipped bad {}{}",
                s.file(), s.rows(), s.examples(), s.truncatedPrompts(), s.truncatedCompletions(), s.droppedEmpty(), s.skippedBad(),
                s.rejectsFile().map(f -> " (rejects in " + f + ")").orElse(""));
    }

    private static void requireWinProbs(List<PairExample> train) {
        for (PairExample e : train) {
            if (e.winProbs().isEmpty()) throw new UserError(e.source() + ": loss sppo needs chosen_win_prob and rejected_win_prob on every row");
        }
    }

    /** The resolved config is written by {@link Trainer#train} once it knows there is work to do; only rank 0 writes output_dir. */
    private static void createOutputDir(TrainConfig c) {
        if (ranks(c).leader()) RunDir.createDirectories(c.outputDir());
    }

    /** This process's ranks: joined on first use when WORLD_SIZE > 1 (see {@link DataParallel}). */
    static DataParallel ranks(TrainConfig c) { return new DataParallel(org.jpo.dist.Dist.join(c.dist())); }

}
