package org.jpo.feedback;

import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.sampling.FinishReason;
import org.jpo.sampling.PromptRow;
import org.jpo.sampling.SampleRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The pairwise judge against scripted servers: an unbiased one prefers the response with the higher quality mark
 * ("Q3" over "Q1", a tie between equal marks), a position-biased one always answers [[A]].
 */
class PairwiseJudgeTest {
    static final String PROMPT = "Write a haiku about autumn.";

    static String a(String judgePrompt) { return FakeJudge.between(judgePrompt, "[The Start of Response A]\n", "\n[The End of Response A]"); }

    static String b(String judgePrompt) { return FakeJudge.between(judgePrompt, "[The Start of Response B]\n", "\n[The End of Response B]"); }

    static int quality(String response) {
        int i = response.indexOf('Q');
        return i < 0 ? -1 : response.charAt(i + 1) - '0';
    }

    /** MT-Bench-style answers: a short comparison, then the verdict; GARBAGE and TOOLONG in a response as in JudgeTest. */
    static FakeJudge.Answer unbiased(String judgePrompt, int seen) {
        String ra = a(judgePrompt), rb = b(judgePrompt);
        if (ra.contains("TOOLONG") || rb.contains("TOOLONG")) return FakeJudge.Answer.error(400, "prompt is too long for the context");
        if (ra.contains("GARBAGE") || rb.contains("GARBAGE")) {
            return FakeJudge.Answer.of("Both responses touch on the topic. To decide, I need to weigh the imagery of the first against");
        }
        int qa = quality(ra), qb = quality(rb);
        String why = "Response A is " + (qa > qb ? "more vivid" : qa < qb ? "flatter" : "as vivid") + " than Response B.\n\n";
        return FakeJudge.Answer.of(why + (qa > qb ? "[[A]]" : qa < qb ? "[[B]]" : "[[C]]"));
    }

    static FakeJudge.Answer biased(String judgePrompt, int seen) {
        return FakeJudge.Answer.of("Response A captures the season well and has a clear structure.\n\n[[A]]");
    }

    static PairwiseJudgeConfig config(String url, int maxPairs) {
        return new PairwiseJudgeConfig(url, "fake-judge", "JPO_API_KEY", JudgeApi.CHAT, 2, 0.7, 512, Optional.empty(), 60, 8, maxPairs);
    }

    static List<Score> score(FakeJudge server, List<String> completions) {
        return config(server.url(), 0).open(ScorerContext.NONE).score(ScoreInput.of(PROMPT), completions);
    }

    @Test void eachPairIsAskedInBothOrders() {
        try (FakeJudge server = new FakeJudge(PairwiseJudgeTest::unbiased)) {
            List<Score> s = score(server, List.of("Q3 crisp leaves fall", "Q1 autumn is a season"));
            Set<List<String>> asked = new HashSet<>();
            for (FakeJudge.Request r : server.requests()) asked.add(List.of(a(r.prompt()), b(r.prompt())));
            assertEquals(Set.of(List.of("Q3 crisp leaves fall", "Q1 autumn is a season"), List.of("Q1 autumn is a season", "Q3 crisp leaves fall")), asked);
            assertEquals(2, server.count());
            assertEquals(List.of(1.0, 0.0), s.stream().map(Score::value).toList());   // P(good > bad) = 1
            assertEquals("{comparisons=1.0, flips=0.0, pairs=1.0, rejected=0.0, requests=2.0, unparsed=0.0}", s.get(0).stats().toString());
            assertEquals("pairwise_judge:fake-judge", s.get(0).scorer());
        }
    }

    @Test void aPositionBiasedJudgeGivesEveryPairOneHalfAndEveryComparisonFlips() {
        try (FakeJudge server = new FakeJudge(PairwiseJudgeTest::biased)) {
            List<Score> s = score(server, List.of("Q3 crisp leaves fall", "Q1 autumn is a season", "Q2 red maple wind"));
            for (Score x : s) {
                assertEquals(0.5, x.value());
                assertEquals(0.0, x.std());
                assertEquals(2.0, x.stats().get("comparisons"));
                assertEquals(x.stats().get("comparisons"), x.stats().get("flips"));
            }
            assertEquals(6, server.count());
        }
    }

    @Test void winProbabilitiesAgainstTheOtherSamplesByHand() {
        try (FakeJudge server = new FakeJudge(PairwiseJudgeTest::unbiased)) {
            List<Score> s = score(server, List.of("Q3 best", "Q2 middle", "Q1 worst", "Q2 also middle"));
            // Q3 wins all three; Q2 loses to Q3 (0), beats Q1 (1), ties the other Q2 (½): (0 + 1 + ½) / 3; Q1 loses all
            assertEquals(List.of(1.0, 0.5, 0.0, 0.5), s.stream().map(Score::value).toList());
            assertEquals(Arrays.asList(0.0, null, 1.0, 0.5), s.get(1).winProbs());   // each pair's P, its own place null
            assertEquals(Arrays.asList(0.0, 0.0, null, 0.0), s.get(2).winProbs());
            assertEquals(Math.sqrt(1.0 / 6), s.get(1).std(), 1e-12);   // population std of 0, 1, ½
            assertEquals(0.0, s.get(1).stats().get("flips"));         // a tie in both orders is not position bias
            assertEquals(3.0, s.get(1).stats().get("comparisons"));
            assertEquals(4 * 3, server.count());                      // 6 pairs × 2 orders
        }
    }

    /** samples.jsonl's win_probs are by sample index, whatever order the rows come in, and read back as written. */
    @Test void winProbsAreStoredBySampleIndex() throws Exception {
        try (FakeJudge server = new FakeJudge(PairwiseJudgeTest::unbiased);
             Feedback f = Feedback.open(List.of(new FeedbackItem(1.0, config(server.url(), 0))))) {
            PromptRow p = new PromptRow("p0", 0, PROMPT, new int[] {1}, Jsonl.JSON.createObjectNode());
            List<SampleRow> rows = List.of(row(2, "Q1 worst"), row(0, "Q3 best"), row(1, "Q2 middle"));
            List<SampleRow> scored = ScoredRows.score(rows, Map.of("p0", p), f);
            assertEquals(Arrays.asList(null, 1.0, 1.0), scored.get(1).winProbs());   // sample 0, Q3, beats 1 and 2
            assertEquals(Arrays.asList(0.0, null, 1.0), scored.get(2).winProbs());
            SampleRow back = Jsonl.ROWS.readValue(Jsonl.ROWS.writeValueAsString(scored.get(0)), SampleRow.class);
            assertEquals(Arrays.asList(0.0, 0.0, null), back.winProbs());
            assertTrue(Jsonl.ROWS.writeValueAsString(scored.get(0)).contains("\"win_probs\":[0.0,0.0,null]"));
        }
    }

    @Test void twoPairwiseScorersAreRefused() {
        try (FakeJudge server = new FakeJudge(PairwiseJudgeTest::unbiased)) {
            UserError e = assertThrows(UserError.class, () -> Feedback.open(List.of(new FeedbackItem(1.0, config(server.url(), 0)),
                    new FeedbackItem(1.0, config(server.url(), 1)))));
            assertTrue(e.getMessage().contains("at most one"), e.getMessage());
        }
    }

    static SampleRow row(int index, String completion) {
        return new SampleRow("p0", 0, SampleRow.Policy.CURRENT, false, index, PROMPT, completion, new int[] {1}, FinishReason.STOP, 1, null, 7,
                null, null, null);
    }

    @Test void aTieIsOneHalf() {
        try (FakeJudge server = new FakeJudge(PairwiseJudgeTest::unbiased)) {
            assertEquals(List.of(0.5, 0.5), score(server, List.of("Q2 leaves", "Q2 wind")).stream().map(Score::value).toList());
        }
    }

    @Test void anUnparsedVerdictIsDroppedAndAPairWithNoneIsUnknown() {
        // the judge cannot decide when B is the worst one: each pair with Q1 keeps only the verdict where Q1 is A
        FakeJudge.Script script = (p, seen) -> quality(b(p)) == 1 ? unbiased(p.replace("Q1", "GARBAGE"), seen) : unbiased(p, seen);
        try (FakeJudge server = new FakeJudge(script)) {
            List<Score> s = score(server, List.of("Q3 best", "Q1 worst", "GARBAGE everywhere"));
            assertEquals(1.0, s.get(0).value());                     // over its one known pair: vs GARBAGE nothing parsed
            assertEquals(1.0, s.get(0).stats().get("pairs"));
            assertEquals(0.0, s.get(0).stats().get("comparisons"));   // vs Q1 only one order parsed
            assertEquals(3.0, s.get(0).stats().get("unparsed"));      // (Q3, Q1) once, (Q3, GARBAGE) twice
            assertEquals(0.0, s.get(1).value());
            assertEquals(Arrays.asList(null, 1.0, null), s.get(0).winProbs());   // the unknown pair stays null, never ½
            Score garbage = s.get(2);
            assertTrue(garbage.isMissing());
            assertEquals("judge output unparseable: Both responses touch on the topic. To decide, I need to weigh the imagery of "
                    + "the…", garbage.details());
            assertEquals(4.0, garbage.stats().get("unparsed"));
            assertEquals(12.0, garbage.stats().get("requests"));      // 4 verdicts × (1 + retries 2)
        }
    }

    @Test void aRejectedComparisonIsDroppedWithTheServersMessage() {
        try (FakeJudge server = new FakeJudge(PairwiseJudgeTest::unbiased)) {
            List<Score> s = score(server, List.of("Q3 best", "Q1 worst", "TOOLONG " + "leaf ".repeat(50)));
            assertEquals(List.of(1.0, 0.0), s.subList(0, 2).stream().map(Score::value).toList());
            assertEquals("judge server rejected the request: " + server.url() + "/chat/completions answered 400: prompt is too long for the context",
                    s.get(2).details());
            assertEquals(4.0, s.get(2).stats().get("rejected"));
            assertEquals(4.0, s.get(2).stats().get("requests"));      // not retried
        }
    }

    @Test void aSingleCompletionHasNothingToBeComparedWith() {
        try (FakeJudge server = new FakeJudge(PairwiseJudgeTest::unbiased)) {
            Score s = score(server, List.of("Q3 alone")).get(0);
            assertEquals("a pairwise judge compares a prompt's completions with each other; this prompt has 1", s.details());
            assertEquals(0, server.count());
        }
    }

    @Test void maxPairsComparesEachCompletionWithThatManyOthersTheSameOnEveryRun() {
        List<int[]> all = PairwiseJudgeScorer.pairs(PROMPT, 4, 0);
        assertEquals("[0, 1] [0, 2] [0, 3] [1, 2] [1, 3] [2, 3]", render(all));
        assertEquals(render(all), render(PairwiseJudgeScorer.pairs(PROMPT, 4, 3)));   // 3 others = all of them
        List<int[]> some = PairwiseJudgeScorer.pairs(PROMPT, 8, 1);
        assertEquals(render(some), render(PairwiseJudgeScorer.pairs(PROMPT, 8, 1)));
        assertTrue(some.size() >= 4 && some.size() <= 8, render(some));
        for (int i = 0; i < 8; i++) {
            int c = i;
            assertTrue(some.stream().anyMatch(p -> p[0] == c || p[1] == c), c + " in " + render(some));
        }
        assertNotEquals(render(some), render(PairwiseJudgeScorer.pairs("another prompt", 8, 1)));
        try (FakeJudge server = new FakeJudge(PairwiseJudgeTest::unbiased)) {
            List<String> completions = List.of("Q1 a", "Q2 b", "Q3 c", "Q4 d", "Q5 e", "Q6 f", "Q7 g", "Q8 h");
            List<Score> s = config(server.url(), 1).open(ScorerContext.NONE).score(ScoreInput.of(PROMPT), completions);
            assertEquals(2 * some.size(), server.count());
            assertTrue(s.stream().allMatch(x -> !x.isMissing() && x.stats().get("pairs") >= 1), s.toString());
        }
    }

    static String render(List<int[]> pairs) {
        return String.join(" ", pairs.stream().map(p -> "[" + p[0] + ", " + p[1] + "]").toList());
    }

    @Test void theBuiltInTemplateShowsAThenBAndAsksForMtBenchsVerdict() {
        String p = JudgeTemplate.render(PairwiseJudgeScorer.TEMPLATE, java.util.Map.of("prompt", "P", "response_a", "RA", "response_b", "RB"));
        assertTrue(p.indexOf("[User Question]\nP\n") < p.indexOf("[The Start of Response A]\nRA\n[The End of Response A]"), p);
        assertTrue(p.indexOf("RA") < p.indexOf("[The Start of Response B]\nRB\n[The End of Response B]"), p);
        assertTrue(p.contains("\"[[A]]\" if response A is better, \"[[B]]\" if response B is better, or \"[[C]]\" if they are equally good"), p);
    }

    // ---- config ----

    @Test void theYamlBindsAPairwiseJudgeAndReadsBack(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("pair.txt"), "{prompt}\nA: {response_a}\nB: {response_b}\n[[A]], [[B]] or [[C]]?");
        FeedbackConfigTest.Loop loop = JudgeTest.parse(dir, """
                  - {type: pairwise_judge, url: "http://127.0.0.1:8000/v1", model: qwen}
                  - {type: pairwise_judge, url: "http://h:1/v1", model: m, api: completions, retries: 0, temperature: 0, max_tokens: 32,
                     template: pair.txt, timeout_seconds: 9, max_concurrency: 1, max_pairs: 2}
                """);
        assertEquals(List.of(new FeedbackItem(1.0, new PairwiseJudgeConfig("http://127.0.0.1:8000/v1", "qwen", "JPO_API_KEY", JudgeApi.CHAT, 2, 0.7,
                        512, Optional.empty(), 60, 8, 0)),
                new FeedbackItem(1.0, new PairwiseJudgeConfig("http://h:1/v1", "m", "JPO_API_KEY", JudgeApi.COMPLETIONS, 0, 0.0, 32,
                        Optional.of(dir.resolve("pair.txt")), 9, 1, 2))), loop.feedback());
        String yaml = FeedbackConfigTest.BINDER.toYaml(loop, "resolved");
        assertEquals(loop, FeedbackConfigTest.BINDER.parse("elsewhere.yaml", yaml, Path.of("/"), List.of()), yaml);
        assertEquals("pairwise_judge:qwen", ((PairwiseJudgeConfig) loop.feedback().get(0).scorer()).open(ScorerContext.NONE).name());
    }

    @Test void badKeysAreConfigErrorsNamingTheKey(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("no-b.txt"), "{prompt}\nA: {response_a}\nWhich is better?");
        String item = "  - {type: pairwise_judge, url: \"http://h:1/v1\", model: m, ";
        assertEquals("t.yaml:2: feedback item 1: template: " + dir.resolve("no-b.txt") + " has no {response_b} placeholder; a judge template "
                + "needs {prompt}, {response_a}, {response_b}", JudgeTest.error(dir, item + "template: no-b.txt}\n"));
        assertEquals("t.yaml:2: feedback item 1: max_pairs must be >= 0, got -1", JudgeTest.error(dir, item + "max_pairs: -1}\n"));
        assertEquals("t.yaml:2: feedback item 1: api: expected one of chat, completions; got \"responses\"",
                JudgeTest.error(dir, item + "api: responses}\n"));
        assertEquals("t.yaml:2: unknown key 'k' in 'feedback item 1'; loop --keys lists the keys", JudgeTest.error(dir, item + "k: 3}\n"));
    }
}
