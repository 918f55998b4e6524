package org.jpo.eval;

import org.jpo.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Grouping runs into recipes, the numbers compared, and the terminal table, on {@link FakeSweep}'s hand-made values. */
class CompareTest {
    static final String KEY = "eval/greedy_pass_rate";
    static final double T2 = 4.302653, T1 = 12.706205;   // t_{0.975, 2}, t_{0.975, 1}

    @TempDir Path dir;

    @Test void aSweepsRecipesKeepItsOrderAndBaselineAndCountUnfinishedRuns() throws Exception {
        Recipes r = Recipes.of(List.of(FakeSweep.write(dir.resolve("sweep"))), null);
        assertEquals(List.of("ipo", "sigmoid", "sft"), r.recipes.stream().map(Recipes.Recipe::name).toList());
        assertEquals("sigmoid", r.baseline);
        Recipes.Recipe ipo = r.recipes.get(0);
        assertEquals(List.of(0L, 1L, 2L), ipo.runs().stream().map(Recipes.Run::seed).toList());
        assertEquals(List.of(dir.resolve("sweep/ipo/seed-3")), ipo.unfinished());
        assertEquals(List.of("ipo: " + dir.resolve("sweep/ipo/seed-3") + " has no rounds.jsonl yet (not finished); left out"), r.notes);
        assertEquals(List.of(0L, 1L), r.recipes.get(2).runs().stream().map(Recipes.Run::seed).toList(), "train/ is not a seed");
        assertEquals("ipo", Recipes.of(List.of(dir.resolve("sweep")), "ipo").baseline, "--baseline wins over the sweep's");
    }

    @Test void aRunShortOfItsConfiguredRoundsIsNotedAndComparedAtItsLastRound() throws Exception {
        Path sweep = FakeSweep.write(dir.resolve("sweep")), run = sweep.resolve("ipo/seed-2");
        Files.writeString(run.resolve("config.resolved.yaml"), Files.readString(run.resolve("config.resolved.yaml")).replace("rounds: 2", "rounds: 5"));
        Recipes r = Recipes.of(List.of(sweep), null);
        assertEquals(run + ": round 2 of 5 so far (still running, or stopped early); its final round is 2", r.notes.get(0));
        assertEquals(2, r.notes.size());
    }

    @Test void looseRunDirectoriesAreRecipesByTheirParentOrTheirOwnName() throws Exception {
        FakeSweep.write(dir.resolve("sweep"));
        Path mine = FakeRun.seeded(dir.resolve("my-run"), 2, 0.3, 0.9);
        Recipes r = Recipes.of(List.of(dir.resolve("sweep/sigmoid/seed-1"), mine, dir.resolve("sweep/sigmoid/seed-0")), null);
        assertEquals(List.of("sigmoid", "my-run"), r.recipes.stream().map(Recipes.Recipe::name).toList());
        assertEquals("sigmoid", r.baseline, "no sweep: the first recipe");
        assertEquals(List.of(0L, 1L), r.recipes.get(0).runs().stream().map(Recipes.Run::seed).toList(), "in seed order");
        assertEquals(2L, r.recipes.get(1).runs().get(0).seed(), "the seed is config.resolved.yaml's");
    }

    @Test void theSweepAndOneOfItsRunsGivenTogetherCountTheRunOnce() throws Exception {
        Path sweep = FakeSweep.write(dir.resolve("sweep"));
        Recipes r = Recipes.of(List.of(sweep, sweep.resolve("ipo/seed-1")), null);
        assertEquals(3, r.recipes.get(0).runs().size());
    }

    @Test void finalRoundMeansIntervalsAndPairedDifferences() throws Exception {
        Comparison c = Comparison.of(List.of(FakeSweep.write(dir.resolve("sweep"))), null);
        Map<String, Comparison.Cell> fin = byRecipe(c.cells(KEY, Comparison.FINAL));
        assertEquals(List.of("ipo", "sigmoid", "sft"), List.copyOf(fin.keySet()));
        assertEstimate(fin.get("sigmoid").estimate(), 3, 0.6, T2 * 0.1 / Math.sqrt(3));
        assertNull(fin.get("sigmoid").diff());
        // ipo {0.6, 0.8, 0.7} − sigmoid {0.5, 0.6, 0.7} = {0.1, 0.2, 0.0}: mean 0.1, sd 0.1, p = 1 − √(3/5) (df 2)
        assertEstimate(fin.get("ipo").estimate(), 3, 0.7, 0.248414);
        assertPaired(fin.get("ipo").diff(), 3, 0.1, 0.248414, 1 - Math.sqrt(0.6));
        // sft's final is its round 0: {0.55, 0.75}, sd 0.1√2; − sigmoid {0.5, 0.6} = {0.05, 0.15}: sd 0.05√2, t = 2, p = 1 − 2 atan(2)/π
        assertEstimate(fin.get("sft").estimate(), 2, 0.65, T1 * 0.1);
        assertPaired(fin.get("sft").diff(), 2, 0.1, T1 * 0.05, 1 - 2 * Math.atan(2) / Math.PI);
    }

    /**
     * x ran seeds 1, 2 and 5: {0.7, 0.9} − sigmoid's seeds 1 and 2 {0.6, 0.7} = {0.1, 0.2}, not − its first two values;
     * seed 5, which the baseline did not run, counts in x's mean but not in the difference.
     */
    /** A scorer's eval summary (rounds.jsonl's eval/feedback object) is compared as eval/<key>, like the flat keys. */
    @Test void scorerSummariesAreComparedAsEvalKeys() throws Exception {
        for (int seed = 1; seed <= 2; seed++) {
            Path run = FakeRun.seeded(dir.resolve("x/seed-" + seed), seed, 0.3, 0.5);
            List<String> lines = new java.util.ArrayList<>();
            for (String line : Files.readAllLines(run.resolve("rounds.jsonl"))) {
                lines.add(line.replaceFirst("}$", ",\"eval/feedback\":{\"game/exploitability\":" + (0.1 * seed) + "}}"));
            }
            Files.write(run.resolve("rounds.jsonl"), lines);
        }
        Comparison c = Comparison.of(List.of(dir.resolve("x/seed-1"), dir.resolve("x/seed-2")), null);
        assertTrue(c.keys.contains("eval/game/exploitability"), c.keys.toString());
        assertFalse(c.keys.contains("eval/feedback"), c.keys.toString());
        Comparison.Cell x = byRecipe(c.cells("eval/game/exploitability", Comparison.FINAL)).get("x");
        assertEquals(Map.of(1L, 0.1, 2L, 0.2), Map.copyOf(x.values()));
    }

    @Test void differencesPairBySeedNotByPosition() throws Exception {
        Path sweep = FakeSweep.write(dir.resolve("sweep"));
        Path x1 = FakeRun.seeded(dir.resolve("x/seed-1"), 1, 0.3, 0.7), x2 = FakeRun.seeded(dir.resolve("x/seed-2"), 2, 0.3, 0.9);
        Path x5 = FakeRun.seeded(dir.resolve("x/seed-5"), 5, 0.3, 0.2);
        Comparison c = Comparison.of(List.of(sweep, x2, x5, x1), null);
        Comparison.Cell x = byRecipe(c.cells(KEY, Comparison.FINAL)).get("x");
        assertEquals(List.of(1L, 2L, 5L), List.copyOf(x.values().keySet()));
        assertEquals(0.6, x.estimate().mean(), 1e-12);
        assertPaired(x.diff(), 2, 0.15, T1 * 0.05, 1 - 2 * Math.atan(3) / Math.PI);
    }

    @Test void everyRoundHasItsOwnRowsAndAnEvalOnlyRecipeOnlyRoundZero() throws Exception {
        Comparison c = Comparison.of(List.of(FakeSweep.write(dir.resolve("sweep"))), null);
        assertEquals(List.of(0, 1, 2), c.rounds);
        Map<String, Comparison.Cell> r0 = byRecipe(c.cells(KEY, 0)), r1 = byRecipe(c.cells(KEY, 1));
        assertEquals(List.of("ipo", "sigmoid", "sft"), List.copyOf(r0.keySet()));
        assertPaired(r0.get("ipo").diff(), 3, 0, 0, 1);   // the same starting policy: no difference, p = 1
        assertEquals(List.of("ipo", "sigmoid"), List.copyOf(r1.keySet()));
        // ipo {0.5, 0.5, 0.5} − sigmoid {0.4, 0.5, 0.45} = {0.1, 0, 0.05}: mean 0.05, sd 0.05; t = √3 again
        assertPaired(r1.get("ipo").diff(), 3, 0.05, T2 * 0.05 / Math.sqrt(3), 1 - Math.sqrt(0.6));
        assertTrue(c.keys.contains("eval/mean_score") && c.keys.contains(KEY) && c.keys.stream().allMatch(k -> k.startsWith("eval/")), c.keys.toString());
    }

    @Test void costsAreMeasuredFromTheRunsFilesOrTakenFromSweepJson() throws Exception {
        Path sweep = FakeSweep.write(dir.resolve("sweep"));
        // rounds 0-2: seconds 3.1 + (47.5 + 2.1) + (47.5 + 4.2); sampled 8·11 + 8·12; trained 64·25 + 64·30
        assertEquals(new Costs(104.4, 184, 3520), round(Costs.of(sweep.resolve("sigmoid/seed-0"))));
        assertEquals(new Costs(3.1, 0, 300), round(Costs.of(sweep.resolve("sft/seed-0"))), "round 0's eval + the train run's tokens");
        assertEquals(new Costs(500, 0, 1000), Costs.recorded(sweep.resolve("sft/seed-1")), "sweep.json wins");
        assertEquals(new Costs(3.1, 0, 0), round(Costs.of(sweep.resolve("sft/seed-1"))), "its train run wrote no metrics");
        Map<String, Comparison.MeanCosts> mean = new java.util.LinkedHashMap<>();
        Comparison.of(List.of(sweep), null).costs().forEach(m -> mean.put(m.recipe(), m));
        assertEquals(3, mean.get("ipo").n());
        assertEquals(104.4, mean.get("ipo").seconds(), 1e-9);
        assertEquals(251.55, mean.get("sft").seconds(), 1e-9);
        assertEquals(650, mean.get("sft").trainedTokens(), 1e-9);
    }

    @Test void costsWrittenAsSweepJsonReadBack() throws Exception {
        Path run = FakeRun.seeded(dir.resolve("r"), 0, 0.1, 0.2);
        Costs c = new Costs(12.5, 7, 9);
        c.write(run);
        assertEquals("{\n  \"seconds\" : 12.5,\n  \"sampled_tokens\" : 7,\n  \"trained_tokens\" : 9\n}\n", Files.readString(run.resolve("sweep.json")));
        assertEquals(c, Costs.recorded(run));
        Files.writeString(run.resolve("sweep.json"), "{\"seconds\": 1}");
        UserError e = assertThrows(UserError.class, () -> Costs.recorded(run));
        assertEquals(run.resolve("sweep.json") + ": 'sampled_tokens' must be a number >= 0, got null", e.getMessage());
    }

    @Test void theTablePrintsTheHandComputedNumbers() throws Exception {
        String table = Comparison.of(List.of(FakeSweep.write(dir.resolve("sweep"))), null).table(false);
        List<String> lines = table.lines().map(l -> l.strip().replaceAll(" +", " ")).toList();
        assertEquals("jpo compare: 3 recipes, 8 runs (1 unfinished, left out), baseline sigmoid", lines.get(0));
        assertEquals(CompareTable.METHOD, lines.get(1));
        int at = lines.indexOf(KEY);
        assertTrue(at > 0, table);
        assertEquals(List.of("round recipe seeds mean 95% interval Δ vs sigmoid paired 95% interval of Δ p",
                "final ipo 3 0.7 [0.4516, 0.9484] +0.1 3 [-0.1484, 0.3484] 0.2254",
                "final sigmoid 3 0.6 [0.3516, 0.8484] baseline",
                "final sft 2 0.65 [-0.6206, 1.921] +0.1 2 [-0.5353, 0.7353] 0.2952", ""), lines.subList(at + 1, at + 6));
        int costs = lines.indexOf("costs, mean over each recipe's finished runs");
        assertEquals(List.of("recipe runs seconds sampled tokens trained tokens", "ipo 3 104.4 184 3,520", "sigmoid 3 104.4 184 3,520",
                "sft 2 251.6 0 650"), lines.subList(costs + 1, lines.size()));
        assertFalse(table.contains("\n1 "), "no per-round rows without --all-rounds");
    }

    @Test void allRoundsPrintsEveryRoundBeforeTheFinalRows() throws Exception {
        String table = Comparison.of(List.of(FakeSweep.write(dir.resolve("sweep"))), "ipo").table(true);
        List<String> lines = table.lines().map(l -> l.strip().replaceAll(" +", " ")).toList();
        int at = lines.indexOf(KEY);
        assertEquals(List.of("0 ipo 3 0.3 [0.3, 0.3] baseline", "0 sigmoid 3 0.3 [0.3, 0.3] 0 3 [0, 0] 1",
                "0 sft 2 0.65 [-0.6206, 1.921] +0.35 2 [-0.9206, 1.621] 0.1772",
                "1 ipo 3 0.5 [0.5, 0.5] baseline", "1 sigmoid 3 0.45 [0.3258, 0.5742] -0.05 3 [-0.1742, 0.07421] 0.2254"), lines.subList(at + 2, at + 7));
        assertTrue(lines.get(at + 1).contains("Δ vs ipo"));
    }

    @Test void oneSeedHasNoIntervalAndTheTableSaysSoWithADash() throws Exception {
        Path a = FakeRun.seeded(dir.resolve("a/seed-0"), 0, 0.3, 0.5), b = FakeRun.seeded(dir.resolve("b/seed-0"), 0, 0.3, 0.8);
        Comparison c = Comparison.of(List.of(a, b), null);
        assertEquals("a", c.baseline());
        String table = c.table(false);
        assertTrue(table.lines().map(l -> l.strip().replaceAll(" +", " ")).anyMatch(l -> l.equals("final b 1 0.8 — +0.3 1 — —")), table);
        assertFalse(table.contains("NaN"), table);
    }

    @Test void badInputIsAUserErrorNamingIt() throws Exception {
        Path sweep = FakeSweep.write(dir.resolve("sweep"));
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertEquals(empty + ": neither a sweep directory (sweep.yaml) nor a jpo run directory (rounds.jsonl)",
                assertThrows(UserError.class, () -> Recipes.of(List.of(sweep, empty), null)).getMessage());
        assertEquals(sweep.resolve("ipo") + ": neither a sweep directory (sweep.yaml) nor a jpo run directory (rounds.jsonl); it holds seed-<s>/ runs: "
                + "give those (" + sweep.resolve("ipo/seed-*") + ") or the sweep directory",
                assertThrows(UserError.class, () -> Recipes.of(List.of(sweep.resolve("ipo")), null)).getMessage());
        assertEquals(dir.resolve("nope") + ": not a directory", assertThrows(UserError.class, () -> Recipes.of(List.of(dir.resolve("nope")), null)).getMessage());
        assertEquals("--baseline dpo is not a recipe here (recipes: ipo, sigmoid, sft)",
                assertThrows(UserError.class, () -> Recipes.of(List.of(sweep), "dpo")).getMessage());
        Path twin = FakeRun.seeded(dir.resolve("other/sigmoid/seed-1"), 1, 0.2);
        assertEquals("recipe sigmoid has two runs of seed 1: " + sweep.resolve("sigmoid/seed-1") + " and " + twin,
                assertThrows(UserError.class, () -> Recipes.of(List.of(sweep, twin), null)).getMessage());
        Files.writeString(sweep.resolve("sweep.yaml"), "baseline: [unclosed\n");
        assertTrue(assertThrows(UserError.class, () -> Recipes.of(List.of(sweep), null)).getMessage().startsWith(sweep.resolve("sweep.yaml") + ": not valid YAML"));
        Path unfinished = Files.createDirectories(dir.resolve("fresh/a/seed-0"));
        Files.writeString(dir.resolve("fresh/sweep.yaml"), "baseline: a\nrecipes: {a: {}}\n");
        assertEquals("nothing to compare in [" + dir.resolve("fresh") + "]: no finished run (rounds.jsonl); 1 not finished yet",
                assertThrows(UserError.class, () -> Recipes.of(List.of(dir.resolve("fresh")), null)).getMessage());
        assertTrue(Files.isDirectory(unfinished));
    }

    private static Map<String, Comparison.Cell> byRecipe(List<Comparison.Cell> cells) {
        Map<String, Comparison.Cell> m = new java.util.LinkedHashMap<>();
        cells.forEach(c -> m.put(c.recipe(), c));
        return m;
    }

    private static void assertEstimate(Stats.Estimate e, int n, double mean, double half) {
        assertEquals(n, e.n());
        assertEquals(mean, e.mean(), 1e-9);
        assertEquals(mean - half, e.lo(), 1e-6);
        assertEquals(mean + half, e.hi(), 1e-6);
    }

    private static void assertPaired(Stats.Paired d, int n, double mean, double half, double p) {
        assertEquals(n, d.n());
        assertEquals(mean, d.mean(), 1e-9);
        assertEquals(mean - half, d.lo(), 1e-6);
        assertEquals(mean + half, d.hi(), 1e-6);
        assertEquals(p, d.p(), 1e-6);
    }

    private static Costs round(Costs c) { return new Costs(Math.round(c.seconds() * 1e6) / 1e6, c.sampledTokens(), c.trainedTokens()); }
}
