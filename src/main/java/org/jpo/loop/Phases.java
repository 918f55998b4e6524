package org.jpo.loop;

import org.jpo.UserError;
import org.jpo.dist.Shards;
import org.jpo.io.Jsonl;
import org.jpo.io.RunDir;
import org.jpo.io.RunDir.RoundFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * A round's phases on disk, what makes the loop resumable: a phase whose output exists finished (outputs are written
 * whole or not at all), so it is skipped; one that runs is followed by its output's hash in the manifest, which is saved.
 */
final class Phases {
    private final RunDir dir;
    private final int round;
    private final Manifest manifest;
    private final Shards shards;

    private Phases(RunDir dir, int round, Manifest manifest, Shards shards) {
        this.dir = dir;
        this.round = round;
        this.manifest = manifest;
        this.shards = shards;
    }

    /** The round's manifest as saved (or {@code fresh} for a new round), after checking its finished outputs are unchanged. */
    static Phases open(RunDir dir, int round, Supplier<Manifest> fresh, Shards shards) {
        if (shards.leader()) RunDir.createDirectories(dir.round(round));
        Manifest m = dir.has(round, RoundFile.MANIFEST) ? Manifest.read(dir.file(round, RoundFile.MANIFEST)) : fresh.get();
        m.outputs().forEach((name, sha) -> {
            Path f = dir.round(round).resolve(name);
            if (Files.exists(f) && !RunDir.sha256(f).equals(sha)) {
                throw new UserError(f + " changed after the run wrote it (sha256 differs from " + dir.file(round, RoundFile.MANIFEST)
                        + "); restore it, or delete it and the files after it to redo those phases");
            }
        });
        return new Phases(dir, round, m, shards);
    }

    Manifest manifest() { return manifest; }

    /**
     * Runs {@code body} unless {@code output} exists; then records the output's hash and saves the manifest. Returns whether
     * it ran. Several ranks: rank 0's disk decides, and every rank waits until rank 0 has written the output.
     */
    boolean run(RoundFile output, Runnable body) {
        boolean ran = shards.leaders(!dir.has(round, output), "agreeing on round " + round + "'s " + output.fileName);
        if (ran) body.run();
        record(output);
        shards.barrier("writing round " + round + "'s " + output.fileName);
        return ran;
    }

    /** Records {@code output}'s hash, if it exists and is not recorded yet, and saves the manifest. */
    void record(RoundFile output) {
        if (dir.has(round, output)) manifest.outputs().computeIfAbsent(output.fileName, k -> RunDir.sha256(dir.file(round, output)));
        save();
    }

    void save() {
        if (shards.leader()) Jsonl.writePretty(dir.file(round, RoundFile.MANIFEST), manifest);
    }
}
