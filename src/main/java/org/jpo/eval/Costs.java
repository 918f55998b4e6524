package org.jpo.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.io.RunDir;
import org.jpo.sampling.SampleRow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run cost, to set beside what it gained, measured from its directory's own files so that a sweep and a loose
 * run directory give the same numbers:
 * <ul>
 *   <li>{@code seconds}: the sum of every rounds.jsonl line's {@code timings} (round 0's eval included);</li>
 *   <li>{@code sampledTokens}: the completion tokens of round-NNN/samples.jsonl (rounds ≥ 1: round 0 only evaluates;
 *       every row: under {@code anchored} the initial policy's samples were generated too); eval samples are not
 *       counted;</li>
 *   <li>{@code trainedTokens}: TRL's {@code num_tokens} (one value per logging window) summed over
 *       round-NNN/train/metrics.jsonl and, for a sweep's train recipe, over its training run's metrics.jsonl
 *       ({@code OUT/<recipe>/train/seed-<s>/} beside the eval-only run {@code OUT/<recipe>/seed-<s>/}).</li>
 * </ul>
 * A train recipe's training seconds are in no file: {@code jpo sweep} measures them and records the run's costs in
 * {@code sweep.json}, which {@link #recorded} prefers.
 */
public record Costs(double seconds, long sampledTokens, long trainedTokens) {
    /** {@code OUT/<recipe>/seed-<s>/sweep.json}: {"seconds", "sampled_tokens", "trained_tokens"}, written by jpo sweep. */
    public static final String FILE = "sweep.json";

    /** Measured from {@code runDir}'s files, leniently: a missing file counts nothing, a bad line is skipped. */
    public static Costs of(Path runDir) {
        RunView run = new RunView(runDir);
        double seconds = 0;
        long sampled = 0, trained = 0;
        for (var e : run.rounds.entrySet()) {
            seconds += Charts.timings(e.getValue()).values().stream().mapToDouble(Double::doubleValue).sum();
            for (SampleRow s : run.samples(e.getKey())) sampled += s.tokens();
            trained += numTokens(run.trainLog(e.getKey()));
        }
        Path train = trainRun(runDir);
        if (train != null) trained += numTokens(new RunDir(train).readLenient(Path.of("metrics.jsonl"), RunView.TrainLog.class, new ArrayList<>())
                .stream().map(RunDir.Read::row).toList());
        return new Costs(seconds, sampled, trained);
    }

    /** {@code runDir/sweep.json} when jpo sweep wrote one, else {@link #of}. */
    public static Costs recorded(Path runDir) {
        Path f = runDir.resolve(FILE);
        if (!Files.isRegularFile(f)) return of(runDir);
        JsonNode json = RunDir.readJson(f, JsonNode.class);
        for (String k : new String[] {"seconds", "sampled_tokens", "trained_tokens"}) {
            if (!json.path(k).isNumber() || json.path(k).asDouble() < 0) throw new UserError(f + ": '" + k + "' must be a number >= 0, got " + json.get(k));
        }
        return new Costs(json.get("seconds").asDouble(), json.get("sampled_tokens").asLong(), json.get("trained_tokens").asLong());
    }

    /** Writes {@code runDir/sweep.json} (via a temporary file and a rename). */
    public void write(Path runDir) { Jsonl.writePretty(runDir.resolve(FILE), this); }

    /** The training run of a sweep's train recipe for {@code OUT/<recipe>/seed-<s>}: {@code OUT/<recipe>/train/seed-<s>}, or null. */
    static Path trainRun(Path runDir) {
        Path abs = runDir.toAbsolutePath().normalize();
        if (abs.getParent() == null || !Recipes.SEED_DIR.matcher(abs.getFileName().toString()).matches()) return null;
        Path train = abs.getParent().resolve("train").resolve(abs.getFileName());
        return Files.isDirectory(train) ? train : null;
    }

    private static long numTokens(List<RunView.TrainLog> lines) {
        double n = 0;
        for (RunView.TrainLog l : lines) {
            Double v = l.values().get("num_tokens");   // evaluation lines (eval_ names) have none
            if (v != null && Double.isFinite(v)) n += v;
        }
        return Math.round(n);
    }
}
