package org.jpo.sweep;

import org.jpo.ChildJpo;

import org.jpo.io.RunDir;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.jpo.testing.Tree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code jpo sweep} end to end on stories260K with tiny runs: a bad recipe is refused before any run, {@code --jobs 2}
 * gives what {@code --jobs 1} gives, and a sweep killed mid-way and resumed skips its finished runs (their files keep
 * their mtimes) and ends with the same results.
 */
class SweepTest {
    @TempDir Path tmp;

    @Test void aBadRecipeIsRefusedBeforeAnyRunNamingTheRecipeAndTheKey() throws Exception {
        Path sweep = sweep("out", "  ok: {}\n  typo: {train.loss_typ: ipo}\n");
        Cli.Result r = Cli.run("sweep", sweep.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("recipe typo, seed 0: override 'train.loss_typ=\"ipo\"': unknown key 'loss_typ' in 'train'"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "the sweep wrote before refusing");

        Path seeded = sweep("out", "  bad: {seed: 4}\n");
        Cli.Result s = Cli.run("sweep", seeded.toString());
        assertEquals(2, s.exit(), s.toString());
        assertTrue(s.err().contains("recipe bad, seed 0: seed is set by the sweep for each run"), s.err());
    }

    @Test void aStartedSweepNeedsResumeAndKeepsItsRecipes() throws Exception {
        Path sweep = sweep("out", "  a: {}\n");
        Files.createDirectories(tmp.resolve("out/a/seed-1"));   // the last run in the plan: seed-0's config comes first
        Files.writeString(tmp.resolve("out/a/seed-1/config.resolved.yaml"), "seed: 1\n");
        Cli.Result r = Cli.run("sweep", sweep.toString());
        assertTrue(r.exit() == 2 && r.err().contains("is not empty; add --resume"), r.toString());
        Cli.Result changed = Cli.run("sweep", sweep.toString(), "--resume");
        assertEquals(2, changed.exit(), changed.toString());
        assertTrue(changed.err().contains(tmp.resolve("out/a/seed-1") + " ran with another config"), changed.err());
        assertFalse(Files.exists(tmp.resolve("out/a/seed-0")), "a refused resume wrote another run's config");
    }

    @Test void jobsTwoEqualsJobsOneAndAKilledSweepResumesToTheSameResults() throws Exception {
        String recipes = "  dpo: {}\n  ipo: {train.loss_type: ipo, train.beta: 0.5}\n";
        Path one = sweep("one", recipes);
        Cli.Result r = Cli.run("--threads", "1", "sweep", one.toString(), "--jobs", "1");
        assertEquals(0, r.exit(), r.toString());

        Path two = sweep("two", recipes);
        Process p = jpo("--threads", "1", "sweep", two.toString(), "--jobs", "2");
        Path out = tmp.resolve("two");
        // a run finished, and another is mid-way (its round 0 evaluated, round 1 not yet): the kill catches it there
        var midway = new java.util.concurrent.atomic.AtomicReference<Path>();
        waitFor(p, () -> {
            List<Path> all = runs(out);
            if (all.stream().noneMatch(d -> Files.exists(d.resolve(Sweep.DONE)))) return false;
            for (Path d : all) if (!Files.exists(d.resolve(Sweep.DONE)) && roundsOf(d) == 1) midway.set(d);
            return midway.get() != null;
        });
        List<ProcessHandle> children = p.descendants().filter(ProcessHandle::isAlive).toList();
        assertFalse(children.isEmpty(), "no run was alive at the kill");
        p.destroyForcibly();   // SIGKILL: the runs must notice on their own
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        for (ProcessHandle c : children) assertTrue(c.onExit().get(30, TimeUnit.SECONDS) != null && !c.isAlive(), "a run outlived its sweep");
        // the one caught mid-way stopped because the sweep died (the interrupted line), not because its work was done
        Path log = midway.get().resolveSibling(midway.get().getFileName() + ".log");
        assertTrue(Files.readString(log).contains("interrupted: jpo run"), "the run caught mid-way was not interrupted: " + log);
        assertEquals(1, roundsOf(midway.get()), "the run caught mid-way finished its round anyway");
        List<Path> finished = runs(out).stream().filter(d -> Files.exists(d.resolve(Sweep.DONE))).toList();
        assertTrue(finished.size() >= 1 && finished.size() < 4, "finished at the kill: " + finished);
        Map<Path, String> written = new java.util.HashMap<>();
        for (Path d : finished) {   // as an older version wrote them, before train.margin_weighting existed: no difference
            Path saved = d.resolve("config.resolved.yaml");
            written.put(saved, Files.readString(saved));
            String without = written.get(saved).replaceAll("(?m)^ *margin_weighting: false\n", "");
            assertNotEquals(written.get(saved), without);
            Files.writeString(saved, without);
        }
        Map<String, FileTime> mtimes = mtimes(finished);

        Cli.Result resumed = Cli.run("--threads", "1", "sweep", two.toString(), "--jobs", "2", "--resume");
        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(resumed.err().contains(finished.size() + " finished already"), resumed.err());
        assertEquals(mtimes, mtimes(finished), "a finished run was touched");
        for (var e : written.entrySet()) Files.writeString(e.getKey(), e.getValue());   // the files compared below

        for (String recipe : List.of("dpo", "ipo")) {
            for (int seed : new int[] {0, 1}) {
                Path a = tmp.resolve("one/" + recipe + "/seed-" + seed), b = tmp.resolve("two/" + recipe + "/seed-" + seed);
                Map<String, String> ra = results(a), rb = results(b);
                for (String k : ra.keySet()) assertEquals(ra.get(k), rb.get(k), recipe + " seed " + seed + ": " + k);
                assertEquals(ra.keySet(), rb.keySet(), recipe + " seed " + seed);
                var costs = org.jpo.eval.Costs.recorded(b);   // sweep.json: the sweep's wall time, the files' tokens
                assertEquals(org.jpo.eval.Costs.of(b).sampledTokens(), costs.sampledTokens());
                assertTrue(costs.sampledTokens() > 0 && costs.trainedTokens() > 0 && costs.seconds() > 0, costs.toString());
            }
        }
    }

    /**
     * A jpo train control (trained, then evaluated by a rounds: 0 run of its final model) and two identical recipes,
     * compared: the identical ones differ by exactly 0, the control's costs are its training's.
     */
    @Test void aTrainControlAndTwoIdenticalRecipesThroughCompare() throws Exception {
        Files.writeString(tmp.resolve("sft.jsonl"), "{\"prompt\": \"Once upon a time\", \"completion\": \" there was a park.\"}\n".repeat(6));
        Files.writeString(tmp.resolve("sft.yaml"), "method: sft\nmodel: " + Shared.stories260K() + "\ntokenizer: " + Shared.tok512()
                + "\ntrain_file: sft.jsonl\noutput_dir: unused\nmax_steps: 3\nper_device_train_batch_size: 2\nmax_length: 32\n"
                + "max_prompt_length: 16\nlearning_rate: 1.0e-3\n");
        Path sweep = sweep("ctl", "  a: {}\n  b: {}\n  gold: {command: train, config: sft.yaml}\n");
        Cli.Result r = Cli.run("--threads", "1", "sweep", sweep.toString(), "--jobs", "2");
        assertEquals(0, r.exit(), r.toString());

        Path out = tmp.resolve("ctl"), train = out.resolve("gold/train/seed-0"), eval = out.resolve("gold/seed-0");
        assertTrue(Files.isDirectory(train.resolve("final")));
        assertEquals(1, Files.readAllLines(eval.resolve(RunDir.ROUNDS)).size(), "the control's run evaluates only");
        assertTrue(Files.readString(eval.resolve(RunDir.CONFIG)).contains("policy: \"" + train.resolve("final") + "\""));
        long trained = 0;
        for (String l : Files.readAllLines(train.resolve("metrics.jsonl"))) trained += org.jpo.io.Jsonl.JSON.readTree(l).path("num_tokens").asLong();
        var costs = org.jpo.eval.Costs.recorded(eval);
        assertTrue(trained > 0);
        assertEquals(trained, costs.trainedTokens());
        assertEquals(0, costs.sampledTokens());

        Cli.Result c = Cli.run("compare", out.toString());
        assertEquals(0, c.exit(), c.toString());
        List<String> bRows = c.out().lines().filter(l -> l.startsWith("final  b ")).toList();
        assertFalse(bRows.isEmpty(), c.out());
        for (String row : bRows) assertTrue(row.contains(" 0 ") && row.contains("[0, 0]") && row.strip().endsWith(" 1"), row);
        assertTrue(c.out().lines().anyMatch(l -> l.startsWith("final  gold ")), c.out());
        assertTrue(Files.exists(out.resolve("compare.html")));
    }

    /** A sweep over the stories fixture: 1 round, 4 prompts × 4 samples of 8 tokens ("the" preferred), seeds 0 and 1. */
    private Path sweep(String out, String recipes) throws IOException {
        if (!Files.exists(tmp.resolve("loop.yaml"))) {
            List<String> rows = new ArrayList<>();
            for (String n : new String[] {"Lily", "Tom", "Sue", "Max", "Ben", "Anna", "Sam", "Mia", "Tim", "Lucy"}) {
                rows.add("{\"prompt\": \"Once upon a time, " + n + " wanted to\"}");
                rows.add("{\"prompt\": \"One day, " + n + " went to the\"}");
            }
            Files.write(tmp.resolve("prompts.jsonl"), rows);
            Files.writeString(tmp.resolve("loop.yaml"), "output_dir: unused\nrounds: 1\npolicy: " + Shared.stories260K() + "\ntokenizer: "
                    + Shared.tok512() + "\nprompts: {file: prompts.jsonl, per_round: 4, eval_fraction: 0.2, eval_limit: 3}\n"
                    + "sampling: {n: 4, max_new_tokens: 8, batch_size: 16}\nfeedback: [{type: contains, words: [the]}]\neval: {samples: 1}\n"
                    + "pairs: {eos: always}\ntrain: {learning_rate: 1.0e-3, per_device_train_batch_size: 2, max_length: 32, max_prompt_length: 16}\n");
        }
        return Files.writeString(tmp.resolve(out + ".yaml"), "base: loop.yaml\noutput_dir: " + out + "\nseeds: [0, 1]\nrecipes:\n" + recipes);
    }

    /** What a run produced, times and speeds aside: rounds.jsonl's eval and counts, and every other file's sha256. */
    private static Map<String, String> results(Path run) throws IOException {
        Map<String, String> m = new TreeMap<>(Tree.snapshot(run));
        m.keySet().removeIf(k -> k.equals(RunDir.ROUNDS) || k.equals(RunDir.REPORT) || k.equals(Sweep.DONE) || k.endsWith("manifest.json")
                || k.endsWith("metrics.jsonl") || k.startsWith("cache"));
        for (String k : List.copyOf(m.keySet())) {   // the configs name the run's own directory
            if (k.endsWith(RunDir.CONFIG)) m.put(k, Files.readString(run.resolve(k)).replace(run.toString(), "RUN"));
        }
        for (String line : Files.readAllLines(run.resolve(RunDir.ROUNDS))) {
            var j = (com.fasterxml.jackson.databind.node.ObjectNode) org.jpo.io.Jsonl.JSON.readTree(line);
            j.remove("timings");
            if (j.get("train") instanceof com.fasterxml.jackson.databind.node.ObjectNode t) t.remove("tokens_per_second");
            m.put("rounds.jsonl round " + j.get("round"), j.toString());
        }
        assertFalse(m.get("rounds.jsonl round 1").contains("\"training_rows\":0"), "round 1 did not train: " + m);
        return m;
    }

    /** The lines of a run's rounds.jsonl (0 before its round 0 is evaluated). */
    private static int roundsOf(Path run) throws IOException {
        Path f = run.resolve(RunDir.ROUNDS);
        return Files.exists(f) ? (int) Files.readAllLines(f).stream().filter(l -> !l.isBlank()).count() : 0;
    }

    private static List<Path> runs(Path out) throws IOException {
        List<Path> runs = new ArrayList<>();
        for (String recipe : List.of("dpo", "ipo")) for (int s = 0; s < 2; s++) runs.add(out.resolve(recipe + "/seed-" + s));
        return runs;
    }

    private static Map<String, FileTime> mtimes(List<Path> dirs) throws IOException {
        Map<String, FileTime> m = new TreeMap<>();
        for (Path d : dirs) {
            try (Stream<Path> s = Files.walk(d)) {
                for (Path f : s.filter(Files::isRegularFile).toList()) m.put(f.toString(), Files.getLastModifiedTime(f));
            }
        }
        return m;
    }

    private Process jpo(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(ChildJpo.sameJvm(1).java());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("sweep.log").toFile())).start();
    }

    interface Check { boolean holds() throws Exception; }

    private void waitFor(Process p, Check ready) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!ready.holds()) {
            assertTrue(p.isAlive(), "the sweep ended before the moment came: " + Files.readString(tmp.resolve("sweep.log")));
            assertTrue(System.nanoTime() < deadline, "the moment never came");
            Thread.sleep(20);
        }
    }
}
