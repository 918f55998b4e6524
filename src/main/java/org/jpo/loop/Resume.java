package org.jpo.loop;

import org.jpo.UserError;
import org.jpo.config.ResolvedConfig;
import org.jpo.eval.RoundRecord;
import org.jpo.io.Jsonl;
import org.jpo.io.RunDir;
import org.jpo.io.Targets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.jpo.io.RunDir.RoundFile.*;

/**
 * What a run directory must hold before a run builds on it: the same config (only {@code rounds} may change), and the
 * inputs and finished outputs the remaining rounds read, as their manifests hashed them. Checked before anything is
 * written; the round in progress is checked by {@link Phases#open}.
 */
public final class Resume {
    private static final Logger log = LoggerFactory.getLogger(Resume.class);

    private Resume() {}

    /** A started run continues only with --resume and the same config (more rounds allowed). */
    static void checkConfig(RunDir dir, LoopConfig c, boolean resume) {
        Path saved = dir.file(RunDir.CONFIG);
        if (!Files.exists(saved)) {
            List<String> others = Targets.entries(dir.root()).stream().map(p -> p.getFileName().toString()).toList();
            if (!others.isEmpty()) {
                throw new UserError("output_dir " + dir.root() + " is not empty (" + String.join(", ", others.subList(0, Math.min(3, others.size())))
                        + (others.size() > 3 ? ", …" : "") + ") and holds no jpo run (no " + RunDir.CONFIG + "); choose another output_dir");
            }
            if (resume) log.info("--resume: {} holds no run yet; starting from the beginning", dir.root());
            return;
        }
        if (!ResolvedConfig.setsKey(saved, "policy")) {
            throw new UserError("output_dir " + dir.root() + " holds a " + RunDir.CONFIG + " that is not a jpo run's (no 'policy' key: "
                    + "a jpo train output_dir?); choose another output_dir");
        }
        if (!resume) {
            throw new UserError(dir.root() + " holds a run already (" + RunDir.CONFIG + "); add --resume to continue it, or choose another output_dir");
        }
        ResolvedConfig.requireSame(saved, resolvedNow(saved), c.toYaml(), Set.of("rounds", "dist_backend", "dist_timeout_seconds"));
    }

    /** sha256 of every input: prompt files, the starting policy, the tokenizer. */
    static Map<String, String> inputHashes(LoopConfig c) {
        Map<String, String> o = new LinkedHashMap<>();
        o.put(c.prompts().file().toString(), RunDir.sha256(c.prompts().file()));
        c.prompts().evalFile().ifPresent(f -> o.put(f.toString(), RunDir.sha256(f)));
        o.put(c.policy().toString(), RunDir.sha256(c.policy()));
        c.tokenizer().ifPresent(t -> o.put(t.toString(), RunDir.sha256(t)));
        return o;
    }

    /**
     * The inputs, and the last finished round's checkpoint, reference and pairs (and the pairs of the rounds before it
     * that history trains on), must hash as the manifests recorded.
     */
    static void verifyInputs(RunDir dir, LoopConfig c, Map<String, String> inputs) {
        int last = 0;
        for (int r = 1; dir.has(r, MANIFEST); r++) last = r;
        if (last == 0) return;
        Path newest = dir.file(last, MANIFEST);
        Map<String, String> was = Manifest.read(newest).inputs();
        inputs.forEach((file, now) -> unchanged(Path.of(file), was.get(file), now, newest));
        List<RoundRecord> done = Files.exists(dir.file(RunDir.ROUNDS)) ? Jsonl.read(dir.file(RunDir.ROUNDS), RoundRecord.class) : List.of();
        int finished = done.isEmpty() ? 0 : done.get(done.size() - 1).round();
        for (int r = Math.max(1, finished - c.pairs().history() + 1); r <= finished; r++) {
            Map<String, String> outputs = Manifest.read(dir.file(r, MANIFEST)).outputs();
            List<RunDir.RoundFile> read = r == finished ? List.of(PAIRS, CHECKPOINT, REFERENCE) : List.of(PAIRS);
            for (RunDir.RoundFile f : read) {
                if (dir.has(r, f)) unchanged(dir.file(r, f), outputs.get(f.fileName), RunDir.sha256(dir.file(r, f)), dir.file(r, MANIFEST));
            }
        }
    }

    /** Refuses a file whose sha256 is no longer what {@code manifest} recorded (nothing recorded: nothing to compare). */
    private static void unchanged(Path file, String recorded, String now, Path manifest) {
        if (recorded != null && !recorded.equals(now)) {
            throw new UserError(file + " changed since the run started (sha256 " + recorded + " recorded in " + manifest + ", now " + now
                    + "); restore it or start a new run");
        }
    }

    /** config.resolved.yaml, unless it holds these keys already (a resumed run keeps the file it wrote, comments and all). */
    /**
     * A saved config as this version resolves it: a key added since the run was written takes its default (which keeps the
     * old behaviour), so it is no difference. A config this version cannot read is compared as written, line by line.
     */
    public static String resolvedNow(Path saved) {
        try {
            return LoopConfig.load(saved, List.of()).toYaml();
        } catch (RuntimeException e) {
            return RunDir.readText(saved);
        }
    }

    static void writeConfig(RunDir dir, LoopConfig c) {
        Path f = dir.file(RunDir.CONFIG);
        String yaml = c.toYaml();
        // how the ranks talk changes no result: a run saved before those keys existed, or with other values, is kept as it is
        Set<String> transport = Set.of("dist_backend", "dist_timeout_seconds");
        if (Files.exists(f) && ResolvedConfig.keyLines(resolvedNow(f), transport).equals(ResolvedConfig.keyLines(yaml, transport))) return;
        RunDir.writeText(f, yaml);
    }
}
