package org.jpo.loop;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import org.jpo.eval.RoundRecord;
import org.jpo.io.RunDir;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility.ANY;
import static com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility.NONE;

/**
 * A round's {@code manifest.json}, filled phase by phase and saved after each, so a resumed round knows what it
 * finished: how it was made (config, the seeds used, input hashes, versions), each finished phase's output hash and
 * seconds, the model's checksum before and after, and what the round counted and trained. The field names are a
 * contract.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonAutoDetect(fieldVisibility = ANY, getterVisibility = NONE, isGetterVisibility = NONE, creatorVisibility = NONE)
final class Manifest {
    private int round;
    /** The resolved config's keys, without comments. */
    private String config;
    private Seeds seeds;
    /** sha256 of every input file: prompts, the starting policy, the tokenizer. */
    private Map<String, String> inputs;
    private Versions versions;
    private Map<String, Double> timings = new LinkedHashMap<>();
    /** sha256 of each finished phase's output, by file name: a changed file is refused on resume. */
    private Map<String, String> outputs = new LinkedHashMap<>();
    private Checksums model;
    private RoundRecord.Counts counts;
    /** The round's last training log line (TRL's names). */
    private Map<String, Double> train;
    private Long trainResumedFromStep;
    private Long trainableParameters;
    private Map<String, RoundRecord.ScorerStats> scorers;
    private List<RoundRecord.Agreement> scorerAgreement;
    /** sampling.tree: what the round's trees held and the step pairs made of them. */
    private org.jpo.pairs.TreeStats tree;
    /** egpo: the extrapolation π_{t+½}, its training, sampling and pairs. */
    private Half half;
    private Boolean finished;

    /**
     * The seeds a round used, each recorded by the phase that used it (the initial policy's only under anchored, the
     * mixture's only under nash_md).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Seeds(long run, Long sampling, Long initialSampling, Long evalSampling, Long train, Long mixtureSampling) {}

    record Versions(String jpo, String libtorch, String java) {}

    /**
     * egpo's extrapolation step: the seed π_{t+½} sampled with, its samples' pairing counts, its training's last log line
     * and seconds per phase (sample, score, reference_logps, train).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Half(Long samplingSeed, RoundRecord.Counts counts, Map<String, Double> train, Map<String, Double> timings) {
        static final Half EMPTY = new Half(null, null, null, Map.of());

        Half with(Long seed, RoundRecord.Counts c, Map<String, Double> t) {
            return new Half(seed != null ? seed : samplingSeed, c != null ? c : counts, t != null ? t : train, timings);
        }

        Half seconds(RoundRecord.Phase phase, double s) {
            Map<String, Double> m = new LinkedHashMap<>(timings);
            m.put(phase.key(), s);
            return new Half(samplingSeed, counts, train, m);
        }
    }

    /** The policy's weights' checksum when the round started and after it trained. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Checksums(String before, String after) {}

    private Manifest() {}

    static Manifest start(int round, String config, long runSeed, Map<String, String> inputs) {
        Manifest m = new Manifest();
        m.round = round;
        m.config = config;
        m.seeds = new Seeds(runSeed, null, null, null, null, null);
        m.inputs = inputs;
        m.versions = new Versions(org.jpo.Versions.JPO, org.jpo.Versions.libtorch(), System.getProperty("java.version"));
        return m;
    }

    static Manifest read(java.nio.file.Path file) { return RunDir.readJson(file, Manifest.class); }

    int round() { return round; }

    void seconds(RoundRecord.Phase phase, double s) { timings.put(phase.key(), s); }

    /** A remote policy's checkpoint syncs, summed over the round. */
    void addSeconds(RoundRecord.Phase phase, double s) { timings.merge(phase.key(), s, Double::sum); }

    Map<String, Double> timings() { return timings; }

    Map<String, String> outputs() { return outputs; }

    Map<String, String> inputs() { return inputs == null ? Map.of() : inputs; }

    void usedSeeds(Long sampling, Long initialSampling, Long evalSampling, Long train) {
        seeds = new Seeds(seeds.run(), first(sampling, seeds.sampling()), first(initialSampling, seeds.initialSampling()),
                first(evalSampling, seeds.evalSampling()), first(train, seeds.train()), seeds.mixtureSampling());
    }

    /** nash_md: the seed of the opponents' draws from the mixture. */
    void usedMixtureSeed(long mixtureSampling) {
        seeds = new Seeds(seeds.run(), seeds.sampling(), seeds.initialSampling(), seeds.evalSampling(), seeds.train(), mixtureSampling);
    }

    boolean hasModel() { return model != null; }

    void before(String checksum) { model = new Checksums(checksum, null); }

    void after(String checksum) { model = new Checksums(model == null ? null : model.before(), checksum); }

    RoundRecord.Counts counts() { return counts; }

    void counts(RoundRecord.Counts c) { counts = c; }

    Map<String, Double> train() { return train; }

    void trained(Map<String, Double> lastLog, long resumedFromStep, long trainableParameters) {
        this.train = lastLog;
        this.trainResumedFromStep = resumedFromStep;
        this.trainableParameters = trainableParameters;
    }

    boolean hasScorers() { return scorers != null; }

    Map<String, RoundRecord.ScorerStats> scorers() { return scorers; }

    List<RoundRecord.Agreement> scorerAgreement() { return scorerAgreement; }

    void scorers(Map<String, RoundRecord.ScorerStats> s, List<RoundRecord.Agreement> agreement) {
        scorers = s;
        scorerAgreement = agreement;
    }

    org.jpo.pairs.TreeStats tree() { return tree; }

    void tree(org.jpo.pairs.TreeStats t) { tree = t; }

    Half half() { return half == null ? Half.EMPTY : half; }

    void half(Half h) { half = h; }

    void finish() { finished = true; }

    private static Long first(Long now, Long before) { return now != null ? now : before; }
}
