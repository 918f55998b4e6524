package org.jpo.loop;

import org.jpo.config.ApiKeys;
import org.jpo.config.Binder;
import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Hints;
import org.jpo.config.Inline;
import org.jpo.config.Key;
import org.jpo.config.Reads;
import org.jpo.feedback.FeedbackItem;
import org.jpo.loss.LossType;
import org.jpo.pairs.PairsConfig;
import org.jpo.pairs.Strategy;
import org.jpo.train.RoundKeys;
import org.jpo.train.TrainConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A {@code jpo run} config: one multi-round experiment. The top-level keys and the run directory are a contract
 * (external checks read them); inside a section the names are TRL's where TRL has one ({@code jpo run
 * --print-defaults} prints every key).
 */
@Hints({"model: write policy: PATH (the starting model)", "rounds_per_epoch: write rounds: N",
        "ref_model: write reference: initial | previous_round | ema"})
public record LoopConfig(
        @Key(required = true, section = "The run", doc = "The run directory: config, rounds.jsonl, report.html, round-NNN/. Required.")
        Path outputDir,
        @Key(value = "0", doc = "The run seed; every sample's, pair's and batch order's seed derives from it and the round.") long seed,
        @Key(value = "3", doc = "Rounds of sample → score → pair → train → evaluate, >= 0 (0: evaluate the policy only).") int rounds,
        @Key(required = true, doc = "The starting model: an HF directory or a llama2.c .bin. Required.") Path policy,
        @Key(doc = "Tokenizer file or directory; null = the one next to the policy.") Optional<Path> tokenizer,
        @Key(value = "initial", section = "Reference and update", doc = "The reference policy of each round's loss: initial (the "
                + "starting model) | previous_round (the policy the round starts from) | ema (an exponential moving average of the "
                + "policies, rate ema_rate).") ReferenceMode reference,
        @Key(value = "0.5", doc = "ema: after each round, reference ← (1 − ema_rate)·reference + ema_rate·policy, in (0, 1].")
        double emaRate,
        @Key(value = "0.0", doc = "APO (arXiv:2410.05951): θ ← θ_new + α·(θ_new − θ_old) after each round's training, α >= 0.")
        double momentum,
        @Key(section = "Prompts", doc = "Where the prompts come from (file, required) and how many each round draws.") PromptsConfig prompts,
        @Key(section = "Sampling", doc = "How each round samples its completions (the local engine, on the weights in memory).") SamplingConfig sampling,
        @Key(required = true, section = "Feedback", doc = "Scorers, each {type: ..., weight: w, its keys}; the score of a "
                + "completion is Σ weight·score, missing if any scorer cannot score it. Required.") List<FeedbackItem> feedback,
        @Key(section = "Pairing", doc = "How scored samples become training rows.") PairsConfig pairs,
        @Key(section = "Training", doc = "Each round's training: any jpo train key but method, model, train_file, reference, output_dir, seed.") RoundKeys train,
        @Key(section = "Evaluation", doc = "The held-out evaluation after every round and once before the first.") EvalConfig eval,
        @Key(doc = "Stop when the eval metric has not improved for patience rounds.") EarlyStop earlyStop,
        @Inline("Data parallel (read when WORLD_SIZE > 1: jpo launch, torchrun, Slurm)") org.jpo.dist.DistOptions dist) implements Reads {

    public static final Binder<LoopConfig> BINDER = new Binder<>(LoopConfig.class, "run", "jpo run --print-defaults");
    private static final List<String> LOSS_KEYS = Binder.keys(org.jpo.loss.LossConfig.class);

    public LoopConfig {
        Check.atLeast("rounds", rounds, 0);
        Check.within("ema_rate", emaRate, 0, 1, false);
        if (emaRate == 0) throw new ConfigError("ema_rate", "ema_rate must be > 0 (0 would never move the reference; use reference: initial)");
        Check.nonNegative("momentum", momentum);
        if (feedback.isEmpty()) throw new ConfigError("feedback", "feedback must list at least one scorer, e.g. [{type: contains, words: [park]}]");
        if (sampling.tree().isPresent() != (pairs.strategy() == Strategy.TREE)) {
            throw new ConfigError(sampling.tree().isPresent() ? "pairs.strategy" : "sampling.tree", sampling.tree().isPresent()
                    ? "sampling.tree makes step-level pairs only: set pairs.strategy: tree (strategy is " + name(pairs.strategy()) + ")"
                    : "pairs.strategy tree pairs the steps of search trees: set sampling.tree, e.g. {children: 4, simulations: 32}");
        }
        if (pairs.pairwise() && sampling.n() < 2) {
            throw new ConfigError("sampling.n", "sampling.n is " + sampling.n() + ", but strategy " + name(pairs.strategy())
                    + " pairs samples of one prompt: n must be >= 2");
        }
        if (train.loss().lossType() != null && train.loss().lossType().contains(LossType.SPPO)
                && pairs.strategy() != Strategy.SPPO) {
            throw new ConfigError("train.loss_type", "loss_type sppo reads win probabilities, which only strategy sppo writes (strategy is "
                    + name(pairs.strategy()) + ")");
        }
        checkNash(pairs, train, feedback, reference, sampling);
        train = train.withLoss(train.loss().withBetaFor(method(pairs).defaultLoss));
        checkLossKind(pairs, train);
        if (nashMd(train)) checkNashMd(sampling, feedback);
        if (pairs.strategy() == Strategy.GROUP && pairs.history() > 1) {
            throw new ConfigError("pairs.history", "pairs.history is " + pairs.history() + ", but strategy group is on-policy: its ratio and "
                    + "advantages are of the samples the round's starting policy drew; set history: 1");
        }
        if (pairs.uncertaintyK() > 0 && feedback.stream().noneMatch(f -> f.scorer() instanceof org.jpo.feedback.EnsembleConfig
                || f.scorer() instanceof org.jpo.feedback.JudgeConfig j && j.k() > 1)) {
            throw new ConfigError("pairs.uncertainty_k", "pairs.uncertainty_k reads the scores' spread, which only an ensemble or a judge "
                    + "with k > 1 gives; no scorer in feedback has one");
        }
        Check.exists("policy", policy, false);
        tokenizer.ifPresent(t -> Check.exists("tokenizer", t, false));
        // every train key is checked now, by building round 1's train config, rather than after round 1 has sampled
        try {
            TrainConfig.forRound(train, method(pairs), policy, tokenizer, prompts.file(), outputDir.resolve("round-001/train"), seed, policy, dist);
        } catch (ConfigError e) {
            throw inTrainSection(e);
        }
    }

    /**
     * The game-theoretic updates read what only some configs give: inpo and egpo a pairwise scorer's preference on every
     * pair (round_robin, which makes rows for them alone), a fixed reference and the round's own samples; spo each sample's
     * win rate against the others as its reward (the scores of one pairwise scorer at weight 1); egpo samples a second time
     * inside the round, from the weights in memory.
     */
    private static void checkNash(PairsConfig pairs, RoundKeys train, List<FeedbackItem> feedback, ReferenceMode reference,
                                  SamplingConfig sampling) {
        List<LossType> losses = train.loss().lossType() == null ? List.of() : train.loss().lossType();
        List<LossType> nash = losses.stream().filter(t -> t == LossType.INPO || t == LossType.EGPO).toList();
        if (pairs.strategy() == Strategy.ROUND_ROBIN) {
            if (losses.isEmpty() || nash.size() != losses.size()) {
                throw new ConfigError("train.loss_type", "pairs.strategy round_robin keeps every compared pair, ties and pairs whose "
                        + "scores disagree with the preference included, for the losses that read its preference: set train.loss_type "
                        + "to inpo or egpo (it is " + (losses.isEmpty() ? "unset" : losses) + ")");
            }
            if (feedback.stream().noneMatch(f -> f.scorer().pairwise())) {
                throw new ConfigError("feedback", "pairs.strategy round_robin reads each pair's P(i ≻ j) from a pairwise scorer's "
                        + "win_probs, and feedback lists none: add one, e.g. {type: pairwise_judge, url: ..., model: ...}");
            }
        }
        if (!nash.isEmpty()) {
            String name = nash.get(0).key;
            if (pairs.strategy() != Strategy.ROUND_ROBIN) {
                throw new ConfigError("pairs.strategy", "train.loss_type " + name + " reads each pair's preference P(y⁺ ≻ y⁻), which only "
                        + "pairs.strategy round_robin writes (strategy is " + name(pairs.strategy()) + ")");
            }
            if (reference != ReferenceMode.INITIAL) {
                throw new ConfigError("reference", "train.loss_type " + name + " regularizes toward a fixed π_ref (the round's start is "
                        + (nash.contains(LossType.INPO) ? "read separately, as π_t" : "where its update starts") + "): set reference: initial "
                        + "(it is " + name(reference) + ")");
            }
            if (pairs.history() > 1) {
                throw new ConfigError("pairs.history", "pairs.history is " + pairs.history() + ", but " + name + " trains on pairs of the "
                        + "policy's own samples of the round; set history: 1");
            }
        }
        if (nash.contains(LossType.EGPO) && sampling.engine() == Engine.REMOTE) {
            throw new ConfigError("sampling.engine", "train.loss_type egpo samples from the extrapolated policy π_{t+½} inside the round, "
                    + "from the weights in memory: use engine: local");
        }
        if (losses.contains(LossType.SPO) && !winProbScores(feedback)) {
            throw new ConfigError("feedback", "train.loss_type spo's reward is each sample's win rate against the round's other samples: "
                    + "feedback must be one pairwise scorer (pairwise_judge) at weight 1, got " + feedback.stream()
                    .map(f -> f.scorer().getClass().getSimpleName().replace("Config", "") + " at weight " + f.weight()).toList());
        }
    }

    /** The strategy decides what rows exist: KTO rows need an unpaired loss, pairs a paired one. */
    private static void checkLossKind(PairsConfig pairs, RoundKeys train) {
        TrainConfig.Method m = method(pairs);
        boolean groupRows = m == TrainConfig.Method.GROUP, groupLoss = train.loss().group();
        if (groupRows && train.loss().lossType() != null && !groupLoss) {
            throw new ConfigError("train.loss_type", "train.loss_type " + train.loss().lossType() + " is not a group loss, but pairs.strategy "
                    + "group makes group rows (prompt, completion, advantage): use loss_type grpo, dr_grpo, rloo or spo, or another pairs.strategy");
        }
        if (!groupRows && groupLoss) {
            throw new ConfigError("train.loss_type", "train.loss_type " + train.loss().lossType() + " trains on the samples of a prompt "
                    + "with their advantages, which only pairs.strategy group makes (strategy is " + name(pairs.strategy()) + ")");
        }
        if (groupRows) return;
        boolean listRows = m == TrainConfig.Method.LIST, listLoss = train.loss().list();
        if (listRows && train.loss().lossType() != null && !listLoss) {
            throw new ConfigError("train.loss_type", "train.loss_type " + train.loss().lossType() + " is not a listwise loss, but pairs.strategy "
                    + "list makes ranked rows (prompt, completions, scores): use loss_type pro, lipo or mpo, or another pairs.strategy");
        }
        if (!listRows && listLoss) {
            throw new ConfigError("train.loss_type", "train.loss_type " + train.loss().lossType() + " is listwise: it trains on a prompt's "
                    + "samples as one ranked list, which only pairs.strategy list makes (strategy is " + name(pairs.strategy()) + ")");
        }
        if (listRows) return;
        if (m == TrainConfig.Method.SFT || train.loss().lossType() == null) return;
        boolean unpairedRows = m == TrainConfig.Method.KTO;
        for (LossType t : train.loss().lossType()) {
            if ((t.kind == LossType.Kind.UNPAIRED) != unpairedRows) {
                throw new ConfigError("train.loss_type", unpairedRows
                        ? "train.loss_type " + t.key + " is a paired loss, but strategy unpaired makes KTO rows (use kto or apo_zero_unpaired)"
                        : "train.loss_type " + t.key + " is an unpaired loss, but strategy " + name(pairs.strategy())
                                + " makes pairs (strategy unpaired makes KTO rows)");
            }
        }
    }

    /**
     * nash_md: its opponents come from the mixture of two local models' logits, and its preference P(y ≻ y′) from one
     * pairwise scorer (which {@link Loop} checks once the scorers are open).
     */
    private static void checkNashMd(SamplingConfig sampling, List<FeedbackItem> feedback) {
        if (sampling.engine() == Engine.REMOTE) {
            throw new ConfigError("sampling.engine", "loss_type nash_md samples each opponent token by token from the geometric mixture of "
                    + "the policy's and the reference's logits, so it needs both models local; a server exposes neither's logits: use "
                    + "engine: local");
        }
        if (feedback.size() != 1 || feedback.get(0).weight() != 1.0) {
            throw new ConfigError("feedback", "loss_type nash_md reads P(y ≻ y′) of each sample and its opponent from one pairwise scorer "
                    + "(e.g. [{type: pairwise_judge, ...}]) at weight 1; feedback lists " + feedback.size() + " scorer(s)"
                    + (feedback.size() == 1 ? " at weight " + feedback.get(0).weight() : ""));
        }
    }

    private static boolean nashMd(RoundKeys train) {
        return train.loss().lossType() != null && train.loss().lossType().contains(LossType.NASH_MD);
    }

    /** loss_type nash_md: each prompt's n policy samples play n opponents from the mixture of the policy and the reference. */
    public boolean nashMd() { return nashMd(train); }

    /** nash_md's β of the opponents' mixture π^β ∝ π^(1−β)·μ^β (train.mixture_coef). */
    public double mixtureCoef() { return train.loss().knobs().mixtureCoef(); }

    /** Reads a config file plus {@code key=value} overrides; every error names file:line or the override. */
    public static LoopConfig load(Path yaml, List<String> overrides) { return BINDER.load(yaml, overrides); }

    public static String defaultsYaml() {
        return BINDER.defaultsYaml("jpo run config: every key with its default. The top-level keys and the run directory are a\n"
                + "contract; keys inside a section are TRL's names where TRL has one. Relative paths resolve against this file's\n"
                + "directory. Override any key on the command line: jpo run CONFIG key=value (sampling.n=4 inside a section).");
    }

    public String toYaml() { return BINDER.toYaml(this, "jpo run config, resolved: every key with the value the run used."); }

    /** What the loop trains with: KTO rows for unpaired, SFT for best, group rows for group, ranked lists for list, pairs otherwise. */
    public static TrainConfig.Method method(PairsConfig pairs) {
        return switch (pairs.strategy()) {
            case UNPAIRED -> TrainConfig.Method.KTO;
            case BEST -> TrainConfig.Method.SFT;
            case GROUP -> TrainConfig.Method.GROUP;
            case LIST -> TrainConfig.Method.LIST;
            default -> TrainConfig.Method.DPO;
        };
    }

    /** {@code group}: the advantage estimator of the round's loss_type (grpo when it is left out). */
    public org.jpo.pairs.Advantages.Kind advantages() {
        LossType t = train.loss().lossType() == null ? LossType.GRPO : train.loss().lossType().get(0);
        return switch (t) {
            case DR_GRPO -> org.jpo.pairs.Advantages.Kind.DR_GRPO;
            case RLOO -> org.jpo.pairs.Advantages.Kind.RLOO;
            case NASH_MD -> org.jpo.pairs.Advantages.Kind.NASH_MD;
            case SPO -> org.jpo.pairs.Advantages.Kind.SPO;
            default -> org.jpo.pairs.Advantages.Kind.GRPO;
        };
    }

    /**
     * Whether a sample's score is its win probability against the prompt's other samples: the feedback is one pairwise
     * scorer (pairwise_judge, preference_model) at weight 1. Then {@code sppo} uses its probabilities, not Bradley–Terry
     * on score differences.
     */
    public boolean winProbScores() { return winProbScores(feedback); }

    private static boolean winProbScores(List<FeedbackItem> feedback) {
        return feedback.size() == 1 && feedback.get(0).weight() == 1.0 && feedback.get(0).scorer().pairwise();
    }

    /** Whether the round's loss is egpo, whose round trains twice: to π_{t+½}, then from π_t on π_{t+½}'s samples. */
    public boolean extragradient() { return train.loss().lossType() != null && train.loss().lossType().contains(LossType.EGPO); }

    /** Whether the round reads a reference policy: its loss does, or nash_md's opponents mix it in (mixture_coef &gt; 0). */
    public boolean readsReference() {
        if (nashMd() && mixtureCoef() > 0) return true;
        return !trainConfig(1, policy, outputDir.resolve("round-001/train"), policy, prompts.file()).reference().none();
    }

    /**
     * Round {@code round}'s {@code jpo train} config: the section's keys, the method the strategy implies, the model it
     * starts from, its reference (empty when nothing reads one) and a seed derived from the run seed and the round.
     */
    public TrainConfig trainConfig(int round, Path model, Path outputDir, Path reference, Path trainFile) {
        try {
            return TrainConfig.forRound(train, method(pairs), model, tokenizer, trainFile, outputDir, org.jpo.Seeds.of(seed, round, 0x7A1L), reference, dist);
        } catch (ConfigError e) {
            throw inTrainSection(e);
        }
    }

    /** A train key's error as the run config names the key: inside its train: section. */
    private static ConfigError inTrainSection(ConfigError e) {
        return new ConfigError("train." + e.key(), e.getMessage().startsWith(e.key()) ? "train." + e.getMessage() : e.getMessage());
    }

    @Override public String unread(String key) {
        if (key.startsWith("train.") && method(pairs) == TrainConfig.Method.SFT && LOSS_KEYS.contains(key.substring(6))) {
            return "strategy best trains with SFT, which reads no loss keys";
        }
        if ((key.equals("train.prefix_sharing") || key.equals("train.logprob_chunk_size")) && method(pairs) != TrainConfig.Method.DPO
                && method(pairs) != TrainConfig.Method.LIST) {
            return "only methods dpo and list read it, and the round trains with " + method(pairs);
        }
        if (key.equals("train.num_train_epochs") && method(pairs) == TrainConfig.Method.GROUP) {
            return "strategy group makes train.num_iterations passes over the round's samples (TRL's num_iterations)";
        }
        if (key.equals("train.mixture_coef") && nashMd() && reference == ReferenceMode.PREVIOUS_ROUND) {
            return "reference is previous_round, the round's policy itself, whose mixture with itself is the policy for any mixture_coef";
        }
        if (key.equals("reference") && method(pairs) == TrainConfig.Method.GROUP && !readsReference()) {
            return "train.loss_type " + train.loss().lossType() + " with train.beta 0 reads no reference (set beta > 0 for its KL penalty"
                    + (nashMd() ? ", or mixture_coef > 0 for the opponents' mixture)" : ")");
        }
        return switch (key) {
            case "ema_rate" -> reference == ReferenceMode.EMA ? null : "reference is " + name(reference) + ", not ema";
            case "reference" -> readsReference() ? null : "the round's loss (" + name(pairs.strategy()) + " → "
                    + method(pairs) + ") reads no reference";
            default -> null;
        };
    }

    static String name(Enum<?> e) { return e.name().toLowerCase(); }

    /** The reference policy of a round's loss. */
    public enum ReferenceMode { INITIAL, PREVIOUS_ROUND, EMA }

    /** {@code prompts:} where the prompts come from and how many each round draws. */
    public record PromptsConfig(
            @Key(required = true, doc = "Prompt rows, JSONL: {\"prompt\": ...} or conversational {\"prompt\": [messages]}, plus any "
                    + "fields the scorers read (answer, ...). Required.") Path file,
            @Key(value = "64", doc = "Prompts per round, drawn without replacement across rounds (a new permutation when the file "
                    + "is used up).") int perRound,
            @Key(doc = "Held-out prompts for the per-round eval; null = hold out eval_fraction of file.") Optional<Path> evalFile,
            @Key(value = "0.0", doc = "Share of file held out for eval when there is no eval_file, in (0, 1).") double evalFraction,
            @Key(value = "0", doc = "Evaluate on at most this many held-out prompts (the first ones); 0 = all.") int evalLimit)
            implements Reads {
        public PromptsConfig {
            Check.exists("file", file, true);
            evalFile.ifPresent(e -> Check.exists("eval_file", e, true));
            Check.atLeast("per_round", perRound, 1);
            Check.within("eval_fraction", evalFraction, 0, 1, true);
            Check.atLeast("eval_limit", evalLimit, 0);
            if (evalFile.isPresent() == (evalFraction > 0)) {
                throw new ConfigError(evalFile.isPresent() ? "eval_fraction" : "eval_file", evalFile.isPresent()
                        ? "eval_fraction is " + evalFraction + " but eval_file is set; use one of them"
                        : "set eval_file or eval_fraction: every round is evaluated on held-out prompts");
            }
        }

        @Override public String unread(String key) { return null; }
    }

    /** {@code sampling:} how completions are drawn (vLLM's SamplingParams names), locally or from an OpenAI-compatible server. */
    @Hints(ApiKeys.HINT)
    public record SamplingConfig(
            @Key(value = "8", doc = "Completions per prompt, >= 1 (>= 2 for the pairwise strategies).") int n,
            @Key(value = "1.0", doc = "Softmax temperature, > 0.") double temperature,
            @Key(value = "1.0", doc = "Nucleus sampling: keep the smallest set of tokens with this much mass, in (0, 1].") double topP,
            @Key(value = "0", doc = "Keep the k most likely tokens; 0 = off.") int topK,
            @Key(value = "64", doc = "Most tokens generated per completion.") int maxNewTokens,
            @Key(value = "64", doc = "local: most sequences decoded together (vLLM's max_num_seqs).") int batchSize,
            @Key(value = "local", doc = "local (the weights in memory, KV cache) | remote (an OpenAI-compatible server: jpo serve, vLLM, "
                    + "llama.cpp; the new policy reaches it through sync before each round).") Engine engine,
            @Key(doc = "remote: the server's base URL, e.g. http://127.0.0.1:8000/v1. Required with engine remote.") Optional<String> url,
            @Key(doc = "remote: the served model name requests ask for. Required with engine remote.") Optional<String> model,
            @Key(value = ApiKeys.DEFAULT_ENV, doc = "remote: the environment variable holding the server's API key (unset = no key); "
                    + "the key itself is never written to a file.") String apiKeyEnv,
            @Key(value = "load", doc = "remote: how a new checkpoint reaches the server: load (POST /v1/load, jpo serve's) | command "
                    + "(run sync_command, e.g. restart vLLM with it, then wait for /health).") Sync sync,
            @Key(doc = "sync command: the command and its arguments; {checkpoint} in an argument becomes the checkpoint's path.")
            List<String> syncCommand,
            @Key(value = "600", doc = "remote: seconds a sync may take before the round fails.") double syncTimeoutSeconds,
            @Key(value = "600", doc = "remote: seconds one request may take (then it is retried).") double requestTimeoutSeconds,
            @Key(value = "16", doc = "remote: most requests in flight.") int maxConcurrency,
            @Key(value = "5", doc = "remote: retries of a request after 429, 5xx or a connection error, with exponential backoff.")
            int maxRetries,
            @Key(value = "0.0", doc = "remote: vLLM's min_p (drop tokens below min_p times the top probability), in [0, 1); 0 = off.")
            double minP,
            @Key(doc = "Monte Carlo tree search over reasoning steps instead of n samples per prompt, with pairs.strategy tree "
                    + "(MCTS-DPO arXiv:2405.00451; org.jpo.sampling.TreeSearch); null = off, {} = every default.")
            Optional<org.jpo.sampling.TreeConfig> tree)
            implements Reads {
        public SamplingConfig {
            Check.atLeast("n", n, 1);
            Check.positive("temperature", temperature);
            Check.within("top_p", topP, 0, 1, false);
            if (topP == 0) throw new ConfigError("top_p", "top_p must be in (0, 1], got 0");
            Check.atLeast("top_k", topK, 0);
            Check.atLeast("max_new_tokens", maxNewTokens, 1);
            Check.atLeast("batch_size", batchSize, 1);
            if (syncCommand == null) syncCommand = List.of();
            syncCommand = List.copyOf(syncCommand);
            Check.positive("sync_timeout_seconds", syncTimeoutSeconds);
            Check.positive("request_timeout_seconds", requestTimeoutSeconds);
            Check.atLeast("max_concurrency", maxConcurrency, 1);
            Check.atLeast("max_retries", maxRetries, 0);
            Check.within("min_p", minP, 0, 1, true);
            ApiKeys.checkEnvName("api_key_env", apiKeyEnv);
            if (tree == null) tree = Optional.empty();
            if (tree.isPresent() && engine == Engine.REMOTE) {
                throw new ConfigError("tree", "tree search needs engine local: it reads each step's token log-probs and stops at the "
                        + "step delimiter, which the remote engine does not do");
            }
            if (engine == Engine.REMOTE) {
                if (url.isEmpty()) throw new ConfigError("url", "engine remote needs url, the server's base URL (e.g. http://127.0.0.1:8000/v1)");
                if (model.isEmpty()) throw new ConfigError("model", "engine remote needs model, the served model name");
                try {
                    java.net.URI u = new java.net.URI(url.get());
                    if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) throw new java.net.URISyntaxException(url.get(), "not http(s)://host");
                } catch (java.net.URISyntaxException e) {
                    throw new ConfigError("url", "url must be an http(s) URL like http://127.0.0.1:8000/v1, got " + url.get());
                }
                if (sync == Sync.COMMAND && syncCommand.isEmpty()) {
                    throw new ConfigError("sync_command", "sync is command but sync_command is empty; e.g. [./restart-vllm.sh, '{checkpoint}']");
                }
            }
        }

        @Override public String unread(String key) {
            boolean remoteOnly = List.of("url", "model", "api_key_env", "sync", "sync_command", "sync_timeout_seconds",
                    "request_timeout_seconds", "max_concurrency", "max_retries", "min_p").contains(key);
            if (remoteOnly && engine == Engine.LOCAL) return "only engine remote reads it (engine is local)";
            if (key.equals("sync_command") && sync != Sync.COMMAND) return "only sync command reads it (sync is " + name(sync) + ")";
            if (key.equals("n") && tree.isPresent()) return "tree draws tree.children steps per expansion, not n samples";
            return null;
        }

        /** The server's API key from the environment variable named by api_key_env; empty when unset. */
        public Optional<String> apiKey() { return ApiKeys.fromEnv(apiKeyEnv); }
    }

    /** Where completions come from. */
    public enum Engine { LOCAL, REMOTE }

    /** How the remote server gets each round's checkpoint. */
    public enum Sync { LOAD, COMMAND }

    /** {@code eval:} the held-out evaluation after every round and once before the first. */
    public record EvalConfig(
            @Key(value = "4", doc = "Sampled completions per held-out prompt (besides the greedy one), >= 1.") int samples,
            @Key(value = "1.0", doc = "A completion passes when its score >= pass_threshold (pass_rate, greedy_pass_rate).")
            double passThreshold,
            @Key(value = "[]", doc = "The scorers the evaluation reads, as feedback: lists them; [] = feedback's. E.g. train on votes "
                    + "(self_consistency) and evaluate against gold answers ([{type: math}]).") List<FeedbackItem> feedback) {
        public EvalConfig {
            Check.atLeast("samples", samples, 1);
            if (feedback == null) feedback = List.of();
            if (!Double.isFinite(passThreshold)) throw new ConfigError("pass_threshold", "pass_threshold must be a finite number");
        }
    }

    /** {@code early_stop:} stop when the eval metric has not improved for {@code patience} rounds. */
    public record EarlyStop(
            @Key(value = "0", doc = "Rounds without improvement of metric before stopping; 0 = never stop early.") int patience,
            @Key(value = "eval/mean_score", doc = "The eval.json key to maximise (best/ names the round with its highest value).")
            String metric) {
        static final Set<String> METRICS = Set.of("eval/mean_score", "eval/pass_rate", "eval/greedy_mean_score", "eval/greedy_pass_rate",
                "eval/win_rate_vs_initial");

        public EarlyStop {
            Check.atLeast("patience", patience, 0);
            if (!METRICS.contains(metric)) throw new ConfigError("metric", "metric must be one of " + new java.util.TreeSet<>(METRICS) + ", got " + metric);
        }
    }
}
