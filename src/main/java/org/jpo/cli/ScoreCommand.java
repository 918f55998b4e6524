package org.jpo.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;
import org.jpo.config.Binder;
import org.jpo.config.ConfigError;
import org.jpo.config.Inline;
import org.jpo.feedback.AvoidsVerifier;
import org.jpo.feedback.CodeVerifier;
import org.jpo.feedback.ContainsVerifier;
import org.jpo.feedback.JsonVerifier;
import org.jpo.feedback.LengthVerifier;
import org.jpo.feedback.MathVerifier;
import org.jpo.feedback.RegexVerifier;
import org.jpo.feedback.RewardModelConfig;
import org.jpo.feedback.RewardModelScorer;
import org.jpo.feedback.Score;
import org.jpo.feedback.ScoreInput;
import org.jpo.feedback.Verifier;
import org.jpo.io.Jsonl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code jpo score}: completions scored by a verifier or by a trained reward model. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score completions with a verifier or a reward model: each input line is {\"prompt\", \"completion\"} "
                + "(text; the completion is what follows the prompt), other fields are kept. Output lines, in input order: the "
                + "input object with \"score\" added (with --verifier also \"details\"; a score a verifier cannot give is null "
                + "and details says why, e.g. --verifier math on a row without \"answer\"). key=value arguments set the scorer's "
                + "config keys, as in a feedback: list (each flag is one: --timeout-seconds 5 = timeout_seconds=5).")
final class ScoreCommand implements Callable<Integer> {
    /** The verifiers by their names on the command line, the {@code @Tag}s a feedback list names them by (a test keeps them equal). */
    enum VerifierName { MATH, REGEX, CONTAINS, AVOIDS, LENGTH, JSON, CODE }

    /** A verifier's settings as a {@code feedback:} item has them (without weight): {@code type} and that verifier's keys. */
    record VerifierSettings(@Inline("Verifier") Verifier verifier) {}

    /** A reward model's settings as a {@code feedback:} item of type reward_model has them: path, tokenizer, batch_size. */
    record RewardModelSettings(@Inline("Reward model") RewardModelConfig rewardModel) {}

    private static final String KEYS = "jpo run --print-defaults (feedback:)";
    private static final Binder<VerifierSettings> VERIFIER = new Binder<>(VerifierSettings.class, "score", KEYS);
    private static final Binder<RewardModelSettings> REWARD_MODEL = new Binder<>(RewardModelSettings.class, "score", KEYS);

    @Option(names = "--verifier", paramLabel = "NAME",
            description = "math (final number vs the row's \"answer\"), regex (--pattern, --mode), contains / avoids (--words), "
                    + "length (--min, --max, --unit), json (--required-keys), code (the row's HumanEval \"test\" and \"entry_point\" "
                    + "run in a bubblewrap sandbox; --timeout-seconds, --cpu-seconds, --memory-mb, --max-processes, --parallel, --python)")
    String verifier;

    @Option(names = "--reward-model", paramLabel = "DIR",
            description = "Reward model directory (jpo train with method: reward, or an HF *ForSequenceClassification with one label); "
                    + "EOS is appended to each completion as in training")
    Path rewardModel;

    @Option(names = "--tokenizer", paramLabel = "T",
            description = "With --reward-model: tokenizer.json or a llama2.c tokenizer .bin (default: the one in the reward model directory)")
    Path tokenizer;

    @Option(names = "--batch-size", paramLabel = "N", description = "With --reward-model: sequences per forward (default 16).") Integer batchSize;

    @Option(names = "--words", split = ",", paramLabel = "W", description = "contains / avoids: comma-separated words, whole words, any case") List<String> words;
    @Option(names = "--pattern", paramLabel = "REGEX", description = "regex: a Java regular expression searched for in the completion") String pattern;
    @Option(names = "--mode", paramLabel = "MODE", description = "regex: match (1 if found, the default) or forbid (1 if not found)") String mode;
    @Option(names = "--min", paramLabel = "N", description = "length: shortest allowed (inclusive)") Integer min;
    @Option(names = "--max", paramLabel = "N", description = "length: longest allowed (inclusive)") Integer max;
    @Option(names = "--unit", paramLabel = "UNIT", description = "length: words (whitespace-separated, the default) or chars (code points)") String unit;
    @Option(names = "--required-keys", split = ",", paramLabel = "K", description = "json: comma-separated top-level keys the object must have") List<String> requiredKeys;
    @Option(names = "--timeout-seconds", paramLabel = "S", description = "code: wall-clock seconds per program (default 10)") Double timeoutSeconds;
    @Option(names = "--cpu-seconds", paramLabel = "S", description = "code: CPU seconds per process (default 5)") Integer cpuSeconds;
    @Option(names = "--memory-mb", paramLabel = "MB", description = "code: address space per process in MiB (default 1024)") Integer memoryMb;
    @Option(names = "--max-processes", paramLabel = "N", description = "code: processes and threads per program (default 32)") Integer maxProcesses;
    @Option(names = "--parallel", paramLabel = "N", description = "code: programs run at once (default 0 = one per processor)") Integer parallel;
    @Option(names = "--python", paramLabel = "PATH", description = "code: the Python interpreter (default /usr/bin/python3)") String python;

    @Option(names = "--input", required = true, paramLabel = "FILE.jsonl",
            description = "One {\"prompt\", \"completion\"} object per line; other fields are passed through.") Path input;
    @Mixin Output out;

    @Parameters(paramLabel = "key=value", description = "The scorer's config keys, applied after the flags (e.g. timeout_seconds=5).")
    List<String> overrides = List.of();

    @Override public Integer call() {
        if ((verifier == null) == (rewardModel == null)) throw new UserError("give exactly one of --verifier NAME or --reward-model DIR");
        out.check();
        if (verifier != null) return verify(verifier());   // setting mistakes before reading the input
        Map<String, Object> flags = flags();
        flags.remove("--tokenizer");
        flags.remove("--batch-size");
        rejectUnread("--reward-model", flags);
        return rewardModel(rewardModelConfig());
    }

    /** Every flag that only some scorers read, with its value (null when not given). */
    private Map<String, Object> flags() {
        Map<String, Object> flags = new LinkedHashMap<>();
        flags.put("--tokenizer", tokenizer);
        flags.put("--batch-size", batchSize);
        flags.put("--words", words);
        flags.put("--pattern", pattern);
        flags.put("--mode", mode);
        flags.put("--min", min);
        flags.put("--max", max);
        flags.put("--unit", unit);
        flags.put("--required-keys", requiredKeys);
        flags.put("--timeout-seconds", timeoutSeconds);
        flags.put("--cpu-seconds", cpuSeconds);
        flags.put("--memory-mb", memoryMb);
        flags.put("--max-processes", maxProcesses);
        flags.put("--parallel", parallel);
        flags.put("--python", python);
        return flags;
    }

    /** The verifier the flags and then the key=value overrides describe. */
    Verifier verifier() {
        for (String o : overrides) {
            if (o.strip().startsWith("type=")) throw new UserError("override '" + o + "': the verifier is chosen by --verifier");
        }
        return Overrides.bind(VERIFIER, () -> new VerifierSettings(verifierFromFlags()), overrides).verifier();
    }

    /** The verifier the flags describe; a flag the verifier does not read is an error, not ignored. */
    private Verifier verifierFromFlags() {
        Map<String, Object> flags = flags();
        VerifierName verifier = choice(VerifierName.class, this.verifier, "--verifier");
        String name = verifier.name().toLowerCase();
        Verifier v = switch (verifier) {
            case MATH -> new MathVerifier();
            case REGEX -> new RegexVerifier(required(pattern, "--pattern", name), mode == null ? null : choice(RegexVerifier.Mode.class, mode, "--mode"));
            case CONTAINS -> new ContainsVerifier(required(words, "--words", name));
            case AVOIDS -> new AvoidsVerifier(required(words, "--words", name));
            case LENGTH -> new LengthVerifier(min, max, unit == null ? null : choice(LengthVerifier.Unit.class, unit, "--unit"));
            case JSON -> new JsonVerifier(requiredKeys);
            case CODE -> code();
        };
        switch (verifier) {
            case MATH -> { }
            case REGEX -> { flags.remove("--pattern"); flags.remove("--mode"); }
            case CONTAINS, AVOIDS -> flags.remove("--words");
            case LENGTH -> { flags.remove("--min"); flags.remove("--max"); flags.remove("--unit"); }
            case JSON -> flags.remove("--required-keys");
            case CODE -> List.of("--timeout-seconds", "--cpu-seconds", "--memory-mb", "--max-processes", "--parallel", "--python")
                    .forEach(flags::remove);
        }
        rejectUnread("--verifier " + name, flags);
        return v;
    }

    /** The code verifier: each flag not given takes the config key's default. */
    private CodeVerifier code() {
        CodeVerifier d = new CodeVerifier();
        return new CodeVerifier(or(timeoutSeconds, d.timeoutSeconds()), or(cpuSeconds, d.cpuSeconds()), or(memoryMb, d.memoryMb()),
                or(maxProcesses, d.maxProcesses()), or(parallel, d.parallel()), or(python, d.python()));
    }

    private static <T> T or(T flag, T fallback) { return flag != null ? flag : fallback; }

    private Integer verify(Verifier v) {
        List<Jsonl.Line> lines = Jsonl.read(input);
        if (lines.isEmpty()) throw new UserError(input + ": no rows");
        List<ScoreInput> inputs = new ArrayList<>();
        List<String> completions = new ArrayList<>();
        for (Jsonl.Line line : lines) {
            rejectTaken(line, "score");
            rejectTaken(line, "details");
            inputs.add(new ScoreInput(line.text("prompt"), line.json()));
            completions.add(line.text("completion"));
        }
        List<Score> scores = v.verifyEach(inputs, completions);   // all rows at once: the code verifier runs them in parallel
        List<ObjectNode> results = new ArrayList<>();
        int missing = 0;
        double sum = 0;
        for (int i = 0; i < lines.size(); i++) {
            Score s = scores.get(i);
            ObjectNode o = lines.get(i).json().deepCopy();
            if (s.isMissing()) {
                o.putNull("score");
                missing++;
            } else {
                o.put("score", s.value());
                sum += s.value();
            }
            if (s.details() == null) o.putNull("details");
            else o.put("details", s.details());
            results.add(o);
        }
        out.write(results);
        int scored = lines.size() - missing;
        System.err.printf(Locale.ROOT, "%s: %d rows, %d scored (mean %s), %d missing%n", v.name(), lines.size(), scored,
                scored == 0 ? "-" : String.format(Locale.ROOT, "%.4f", sum / scored), missing);
        return 0;
    }

    /** The reward model the flags and then the key=value overrides describe. */
    RewardModelConfig rewardModelConfig() {
        int batch = batchSize == null ? 16 : batchSize;
        if (batch < 1) throw new UserError("--batch-size must be >= 1, got " + batch);
        return Overrides.bind(REWARD_MODEL, () -> {
            try {
                return new RewardModelSettings(new RewardModelConfig(rewardModel, Optional.ofNullable(tokenizer), batch));
            } catch (ConfigError e) {   // the key path is the flag --reward-model
                throw e.key().equals("path") ? new ConfigError("reward_model", e.getMessage()) : e;
            }
        }, overrides).rewardModel();
    }

    private Integer rewardModel(RewardModelConfig rm) {
        List<Jsonl.Line> lines = Jsonl.read(input);
        if (lines.isEmpty()) throw new UserError(input + ": no rows");
        try (RewardModelScorer scorer = RewardModelScorer.open(rm.path(), rm.tokenizer(), rm.batchSize())) {
            List<RewardModelScorer.Tokens> rows = new ArrayList<>();
            for (Jsonl.Line line : lines) rows.add(tokens(scorer, line));
            double[] rewards = scorer.rewards(rows);
            List<ObjectNode> results = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                Jsonl.Line line = lines.get(i);
                if (!Double.isFinite(rewards[i])) throw line.error("the reward model gave " + rewards[i] + " (broken weights?)");
                ObjectNode o = line.json().deepCopy();
                o.put("score", rewards[i]);
                results.add(o);
            }
            out.write(results);
        }
        return 0;
    }

    private static RewardModelScorer.Tokens tokens(RewardModelScorer scorer, Jsonl.Line line) {
        rejectTaken(line, "score");
        String prompt = line.text("prompt"), completion = line.text("completion");
        try {
            return scorer.tokens(prompt, completion);
        } catch (UserError e) {
            throw line.error(e.getMessage());
        }
    }

    private static void rejectTaken(Jsonl.Line line, String field) {
        if (line.has(field)) throw line.error("already has a field '" + field + "', which the output would overwrite");
    }

    private static void rejectUnread(String chosen, Map<String, Object> flags) {
        flags.forEach((flag, value) -> {
            if (value != null) throw new UserError(flag + " is set, but " + chosen + " does not read it");
        });
    }

    private static <T> T required(T value, String flag, String verifier) {
        if (value == null) throw new UserError("--verifier " + verifier + " needs " + flag);
        return value;
    }

    private static <E extends Enum<E>> E choice(Class<E> type, String value, String flag) {
        for (E e : type.getEnumConstants()) if (e.name().equalsIgnoreCase(value)) return e;
        throw new UserError(flag + ": expected one of " + names(type) + ", got '" + value + "'");
    }

    private static String names(Class<? extends Enum<?>> type) {
        return String.join(", ", Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase()).toList());
    }
}
