package org.jpo.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class BanditCommandTest {
    @TempDir Path dir;

    @Test void printsTableAndChecksAndWritesCsvSvgText() throws Exception {
        Captured c = run("bandit", "apo-momentum", "--seed", "0", "--out", dir.toString());
        assertEquals(0, c.code, c.err);
        assertTrue(c.out.contains("== apo-momentum =="), c.out);
        assertTrue(c.out.contains("PASS  alpha=0.3 reaches 99% of the maximum expected reward in fewer rounds than alpha=0: "
                + "alpha=0.3: 5 rounds, alpha=0: 6 rounds"), c.out);
        assertTrue(c.out.contains("1 of 1 checks passed"), c.out);
        String csv = Files.readString(dir.resolve("apo-momentum.csv"));
        assertTrue(csv.startsWith("round,expected_reward_alpha0,expected_reward_alpha0.3,target\n0,2.0,2.0,3.96\n"), csv);
        assertEquals(17, csv.lines().count());
        String svg = Files.readString(dir.resolve("apo-momentum.svg"));
        assertTrue(svg.contains("<polyline") && svg.contains(">alpha=0.3<") && svg.endsWith("</svg>\n"));
        assertEquals(Files.readString(dir.resolve("apo-momentum.txt")).strip(),
                c.out.substring(0, c.out.indexOf("1 of 1 checks")).strip());
    }

    @Test void unknownExperimentIsAUserError() throws Exception {
        Captured c = run("bandit", "ipo-vs-kto", "--out", dir.toString());
        assertEquals(2, c.code);
        assertEquals("error: EXPERIMENT: unknown experiment 'ipo-vs-kto', expected one of ipo-vs-dpo, kl-optimum, "
                + "intransitive, online-vs-offline, apo-momentum, group-estimators, nash-updates, or all", c.err.strip());
    }

    @Test void unwritableOutIsAUserError() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        Captured c = run("bandit", "apo-momentum", "--out", file.toString());
        assertEquals(2, c.code);
        assertTrue(c.err.startsWith("error: --out " + file + " is a file, not a directory"), c.err);
    }

    private record Captured(int code, String out, String err) {}

    private static Captured run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Captured(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
