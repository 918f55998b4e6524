package org.jpo.cli;

import org.jpo.eval.Comparison;
import org.jpo.eval.FakeRun;
import org.jpo.eval.FakeSweep;
import org.jpo.testing.Cli;
import org.jpo.testing.Tree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CompareCommandTest {
    @TempDir Path dir;

    @Test void printsTheTableAndWritesCompareHtmlIntoTheFirstDirectory() throws Exception {
        Path sweep = FakeSweep.write(dir.resolve("sweep"));
        Cli.Result r = Cli.run("compare", sweep.toString());
        assertEquals(0, r.exit(), r.toString());
        assertEquals(Comparison.of(List.of(sweep), null).table(false), r.out());
        assertTrue(r.out().contains("final  ipo          3   0.7  [0.4516, 0.9484]          +0.1       3  [-0.1484, 0.3484]  0.2254"), r.out());
        assertEquals(List.of("warning: ipo: " + sweep.resolve("ipo/seed-3") + " has no rounds.jsonl yet (not finished); left out",
                "wrote " + sweep.resolve("compare.html")), r.err().lines().toList());
        assertTrue(Files.readString(sweep.resolve("compare.html")).contains("<h1>jpo compare</h1>"));
    }

    @Test void anExistingOutIsReplacedOnlyWithOverwrite() throws Exception {
        Path sweep = FakeSweep.write(dir.resolve("sweep"));
        Files.writeString(sweep.resolve("compare.html"), "earlier");
        assertRefused(new String[] {"compare", sweep.toString()}, "error: --out " + sweep.resolve("compare.html") + " exists; add --overwrite to replace it");
        Cli.Result r = Cli.run("compare", sweep.toString(), "--overwrite", "--quiet");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(Files.readString(sweep.resolve("compare.html")).contains("<h1>jpo compare</h1>"));
    }

    @Test void runDirectoriesAnotherBaselineEveryRoundAndAnotherOut() throws Exception {
        Path sweep = FakeSweep.write(dir.resolve("sweep"));
        Path out = dir.resolve("elsewhere.html");
        Cli.Result r = Cli.run("compare", sweep.resolve("sigmoid/seed-0").toString(), sweep.resolve("sigmoid/seed-1").toString(),
                sweep.resolve("ipo/seed-0").toString(), sweep.resolve("ipo/seed-1").toString(), "--baseline", "ipo", "--all-rounds", "--out", out.toString());
        assertEquals(0, r.exit(), r.toString());
        List<String> lines = r.out().lines().map(l -> l.strip().replaceAll(" +", " ")).toList();
        assertEquals("jpo compare: 2 recipes, 4 runs, baseline ipo", lines.get(0));
        int at = lines.indexOf("eval/greedy_pass_rate");
        // seeds 0 and 1: sigmoid {0.5, 0.6} − ipo {0.6, 0.8} at the final round = {−0.1, −0.2}; t = 3, df 1
        assertEquals(List.of("round recipe seeds mean 95% interval Δ vs ipo paired 95% interval of Δ p",
                "0 sigmoid 2 0.3 [0.3, 0.3] 0 2 [0, 0] 1", "0 ipo 2 0.3 [0.3, 0.3] baseline",
                "1 sigmoid 2 0.45 [-0.1853, 1.085] -0.05 2 [-0.6853, 0.5853] 0.5", "1 ipo 2 0.5 [0.5, 0.5] baseline",
                "2 sigmoid 2 0.55 [-0.08531, 1.185] -0.15 2 [-0.7853, 0.4853] 0.2048", "2 ipo 2 0.7 [-0.5706, 1.971] baseline",
                "final sigmoid 2 0.55 [-0.08531, 1.185] -0.15 2 [-0.7853, 0.4853] 0.2048", "final ipo 2 0.7 [-0.5706, 1.971] baseline"),
                lines.subList(at + 1, at + 10));
        assertTrue(Files.exists(out));
        assertFalse(Files.exists(sweep.resolve("sigmoid/seed-0/compare.html")));
    }

    @Test void badInputIsExitTwoNamingItAndWritesNothing() throws Exception {
        Path sweep = FakeSweep.write(dir.resolve("sweep"));
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertRefused(new String[] {"compare", sweep.toString(), empty.toString()},
                "error: " + empty + ": neither a sweep directory (sweep.yaml) nor a jpo run directory (rounds.jsonl)");
        assertRefused(new String[] {"compare", dir.resolve("nope").toString()}, "error: " + dir.resolve("nope") + ": not a directory");
        assertRefused(new String[] {"compare", sweep.toString(), "--baseline", "dpo"}, "error: --baseline dpo is not a recipe here (recipes: ipo, sigmoid, sft)");
        assertRefused(new String[] {"compare", sweep.toString(), "--out", empty.toString()}, "error: --out " + empty + " is a directory; give a file name");
        assertRefused(new String[] {"compare", sweep.toString(), "--out", dir.resolve("no/such/c.html").toString()},
                "error: --out " + dir.resolve("no/such/c.html") + ": directory " + dir.resolve("no/such") + " does not exist");
        Path twin = FakeRun.seeded(dir.resolve("other/sigmoid/seed-1"), 1, 0.2);
        assertRefused(new String[] {"compare", sweep.toString(), twin.toString()},
                "error: recipe sigmoid has two runs of seed 1: " + sweep.resolve("sigmoid/seed-1") + " and " + twin);
        Files.writeString(sweep.resolve("sft/seed-1/sweep.json"), "{\"seconds\": \"a while\"}");
        assertRefused(new String[] {"compare", sweep.toString()},
                "error: " + sweep.resolve("sft/seed-1/sweep.json") + ": 'seconds' must be a number >= 0, got \"a while\"");
        Files.writeString(sweep.resolve("sft/seed-0/config.resolved.yaml"), "rounds: 0\n");
        assertRefused(new String[] {"compare", sweep.resolve("sft/seed-0").toString(), sweep.resolve("ipo/seed-0").toString()},
                "error: " + sweep.resolve("sft/seed-0/config.resolved.yaml") + ": no 'seed:' line, so the run's seed is unknown and it cannot be paired");
    }

    @Test void noDirectoryIsAUsageError() {
        Cli.Result r = Cli.run("compare");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().startsWith("error: Missing required parameter: 'DIR'"), r.err());
    }

    @Test void helpFormatsWithoutAWarning() {
        Cli.Result r = Cli.run("compare", "--help");
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("95% Student t interval") && r.err().isEmpty(), r.toString());
    }

    /** Exit 2, exactly {@code error}'s line on stderr, nothing on stdout, and no file under dir changed. */
    private void assertRefused(String[] args, String error) {
        Map<String, String> before = Tree.snapshot(dir);
        Cli.Result r = Cli.run(args);
        assertEquals(2, r.exit(), r.toString());
        assertEquals(error, r.err().strip(), r.toString());
        assertEquals("", r.out());
        assertEquals(before, Tree.snapshot(dir), "files changed by " + String.join(" ", args));
    }
}
