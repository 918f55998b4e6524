package org.jpo.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Acceptance on real data, through {@code jpo score --verifier math}: all 7,473 GSM8K training problems, each
 * with its gold solution as the completion, score 1; with the next problem's solution instead, only the rows whose
 * two final answers happen to be the same number score 1, counted here independently from the raw "#### N" lines.
 */
class MathOnGsm8kTest {
    @TempDir Path tmp;

    @Test void goldSolutionsScoreOneAndShiftedSolutionsOnlyWhenTheAnswersCoincide() throws Exception {
        List<Jsonl.Line> data = Jsonl.read(Shared.require("data/gsm8k/train.jsonl"));
        int n = data.size();
        assertEquals(7473, n);
        List<ObjectNode> gold = new ArrayList<>(), shifted = new ArrayList<>();
        int coincide = 0;
        for (int i = 0; i < n; i++) {
            String answer = data.get(i).text("answer"), next = data.get((i + 1) % n).text("answer");
            gold.add(row(data.get(i).text("question"), answer, answer));
            shifted.add(row(data.get(i).text("question"), next, answer));
            if (hashes(answer).equals(hashes(next))) coincide++;
        }
        List<JsonNode> goldScores = score(gold, "gold"), shiftedScores = score(shifted, "shifted");
        long goldOnes = goldScores.stream().filter(s -> s.get("score").isNumber() && s.get("score").doubleValue() == 1.0).count();
        long shiftedOnes = shiftedScores.stream().filter(s -> s.get("score").doubleValue() == 1.0).count();
        long shiftedZeros = shiftedScores.stream().filter(s -> s.get("score").doubleValue() == 0.0).count();
        System.out.printf("gsm8k math verifier: gold %d/%d score 1; shifted %d/%d score 1 (%.2f%%), %d coincide by their #### lines%n",
                goldOnes, n, shiftedOnes, n, 100.0 * shiftedOnes / n, coincide);
        assertEquals(n, goldOnes);
        assertEquals(n, shiftedOnes + shiftedZeros, "every shifted row is scored 0 or 1, none missing");
        assertEquals(coincide, shiftedOnes, "shifted rows score 1 exactly when the two #### answers are the same number");
        assertTrue(shiftedOnes <= 0.02 * n, shiftedOnes + " of " + n);
    }

    private static ObjectNode row(String question, String completion, String answer) {
        ObjectNode o = Jsonl.JSON.createObjectNode();
        o.put("prompt", question);
        o.put("completion", completion);
        o.put("answer", answer);
        return o;
    }

    private List<JsonNode> score(List<ObjectNode> rows, String name) {
        Path in = tmp.resolve(name + ".jsonl"), out = tmp.resolve(name + "-scored.jsonl");
        Jsonl.write(in, rows);
        Cli.Result r = Cli.run("score", "--verifier", "math", "--input", in.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.toString());
        List<JsonNode> scored = Jsonl.read(out).stream().map(l -> (JsonNode) l.json()).toList();
        assertEquals(rows.size(), scored.size());
        for (int i = 0; i < rows.size(); i++) assertEquals(rows.get(i).get("completion"), scored.get(i).get("completion"), "row order");
        return scored;
    }

    /** The text after GSM8K's "#### " without thousands commas: a plain string, no number parsing. */
    private static String hashes(String solution) {
        Matcher m = Pattern.compile("#### (.*)$").matcher(solution.strip());
        assertTrue(m.find(), solution);
        return m.group(1).strip().replace(",", "");
    }
}
