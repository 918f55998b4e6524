package org.jpo.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Both demos, whole, through the CLI, at seeds their settings were never chosen at (the addition demo's were measured
 * at seeds 0–4, the stories demo's at seed 0): the held-out greedy pass rate must rise by at least 15 points from the
 * starting policy to the last round.
 */
class DemoTest {
    @TempDir Path tmp;

    static List<ObjectNode> rounds(Path run) { return Jsonl.read(run.resolve("rounds.jsonl")).stream().map(Jsonl.Line::json).toList(); }

    static double gain(List<ObjectNode> rounds) {
        return rounds.get(rounds.size() - 1).get("eval/greedy_pass_rate").doubleValue() - rounds.get(0).get("eval/greedy_pass_rate").doubleValue();
    }

    @Test void additionDemoGainsFifteenPointsOfGreedyAccuracyFromItsSftPolicy() throws Exception {
        Path out = tmp.resolve("demo");
        Cli.Result r = Cli.run("demo", "--seed", "5", "--out", out.toString());
        assertEquals(0, r.exit(), r.toString());
        List<ObjectNode> rounds = rounds(out.resolve("run"));
        assertEquals(4, rounds.size(), "round 0 and three rounds");
        assertEquals(256, rounds.get(0).get("eval/prompts").intValue());
        double start = rounds.get(0).get("eval/greedy_pass_rate").doubleValue();
        assertTrue(start >= 0.1 && start <= 0.6, "the SFT policy should be mediocre: " + start);
        assertTrue(gain(rounds) >= 0.15, "greedy accuracy gain " + gain(rounds) + "\n" + r.out());
        assertTrue(r.out().contains("greedy accuracy on 256 held-out problems"), r.out());
        assertTrue(Files.exists(out.resolve("run/report.html")));
        var policy = java.util.regex.Pattern.compile("(?m)^policy: \"?([^\"\n]+)\"?").matcher(Files.readString(out.resolve("run/config.resolved.yaml")));
        assertTrue(policy.find());
        assertTrue(Files.isSymbolicLink(out.resolve("start")));
        assertEquals(Path.of(policy.group(1)).toRealPath(), out.resolve("start").toRealPath(), "start is not the policy the rounds started from");
        for (String chatter : List.of("[main]", "org.jpo.", " INFO ", " DEBUG ")) {
            assertFalse(r.out().contains(chatter) || r.err().contains(chatter), "the demo prints logger names: " + chatter + "\n" + r.err());
        }
    }

    @Test void storiesDemoLearnsTheParkRule() throws Exception {
        Path out = tmp.resolve("stories");
        Cli.Result r = Cli.run("demo", "stories", "--model", Shared.stories260K().toString(), "--tokenizer", Shared.tok512().toString(),
                "--seed", "1", "--out", out.toString());
        assertEquals(0, r.exit(), r.toString());
        List<ObjectNode> rounds = rounds(out.resolve("run"));
        assertEquals(4, rounds.size());
        assertTrue(gain(rounds) >= 0.15, "greedy pass-rate gain " + gain(rounds) + "\n" + r.out());
        assertTrue(rounds.get(3).get("eval/pass_rate").doubleValue() >= rounds.get(0).get("eval/pass_rate").doubleValue() + 0.15, r.out());
    }
}
