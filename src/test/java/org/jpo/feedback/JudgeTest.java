package org.jpo.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.Seeds;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.sampling.OpenAiClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The pointwise judge against a scripted OpenAI-compatible server: the response it is shown chooses a recorded-style
 * answer (GOOD gets 5 points, BAD 1, MIXED 3, 4 and 5 in turn, GARBAGE none, TOOLONG a 400).
 */
class JudgeTest {
    static final String PROMPT = "Explain why the sky is blue.";

    /** Answers in the style of the fixtures in judge-outputs/pointwise.txt, chosen by the response judged. */
    static FakeJudge.Answer recorded(String judgePrompt, int seen) {
        String response = FakeJudge.between(judgePrompt, "<response>", "</response>");
        if (response.contains("TOOLONG")) {
            return FakeJudge.Answer.error(400, "This model's maximum context length is 4096 tokens. However, you requested 5120 tokens.");
        }
        if (response.contains("NOWHERE")) return FakeJudge.Answer.error(404, "The model `judge` does not exist.");
        if (response.contains("GOOD")) {
            return FakeJudge.Answer.of("The response explains Rayleigh scattering accurately and directly, in a well-organized way, "
                    + "with no extraneous content.\n\n**Score:** 5");
        }
        if (response.contains("BAD")) return FakeJudge.Answer.of("The response is only loosely related to the question.\n\nScore: 1");
        if (response.contains("MIXED")) return FakeJudge.Answer.of("Mostly correct.\n\nScore: " + (3 + seen % 3) + "/5");
        if (response.contains("FLAKY") && seen >= 3) return FakeJudge.Answer.of("On a second look, it answers the question well.\nScore: 4");
        return FakeJudge.Answer.of("As an AI language model, I find this response intriguing and would like to discuss its broader "
                + "context, its tone and the many ways in which it could be read by different audiences.");
    }

    static JudgeConfig config(String url, JudgeApi api, Optional<Path> template) {
        return new JudgeConfig(url, "fake-judge", "JPO_API_KEY", api, 3, 2, 0.7, 256, template, 60, 8);
    }

    static List<Score> score(FakeJudge server, List<String> completions) {
        return config(server.url(), JudgeApi.CHAT, Optional.empty()).open(ScorerContext.NONE).score(ScoreInput.of(PROMPT), completions);
    }

    @Test void theScoreIsTheMeanOfKJudgmentsWithTheirStdAndVotes() {
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            List<Score> s = score(server, List.of("GOOD: light scatters", "BAD: it is blue", "MIXED: scattering"));
            assertEquals(List.of("0", "1", "2"), s.stream().map(Score::completionRef).toList());
            assertEquals(List.of("judge:fake-judge"), s.stream().map(Score::scorer).distinct().toList());
            assertEquals(List.of(5.0, 1.0, 4.0), s.stream().map(Score::value).toList());   // MIXED: (3 + 4 + 5) / 3
            assertEquals(0.0, s.get(0).std());
            assertEquals(Math.sqrt(2.0 / 3), s.get(2).std(), 1e-12);   // population std of 3, 4, 5
            assertEquals("{judgments=3.0, parsed=3.0, rejected=0.0, requests=3.0, unparsed=0.0, votes/0=0.0, votes/1=0.0, votes/2=0.0, "
                    + "votes/3=1.0, votes/4=1.0, votes/5=1.0}", s.get(2).stats().toString());
            assertEquals(3.0, s.get(0).stats().get("votes/5"));
            assertEquals(3.0, s.get(1).stats().get("votes/1"));
            assertEquals(9, server.count());   // k = 3 per completion, no retries
        }
    }

    @Test void unparseableAnswersAreRetriedThenTheScoreIsMissingNeverZero() {
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            List<Score> s = score(server, List.of("GARBAGE", "GOOD"));
            Score garbage = s.get(0);
            assertTrue(garbage.isMissing());
            assertNull(garbage.value());
            assertEquals("judge output unparseable: As an AI language model, I find this response intriguing and would like to discu…",
                    garbage.details());
            assertEquals(3.0, garbage.stats().get("unparsed"));
            assertEquals(0.0, garbage.stats().get("parsed"));
            assertEquals(9.0, garbage.stats().get("requests"));   // k = 3 judgments × (1 + retries 2)
            assertEquals(5.0, s.get(1).value());
            assertEquals(9 + 3, server.count());
            // each retry is a new request: another seed, the same judge prompt
            List<JsonNode> bodies = server.requests().stream().filter(r -> r.prompt().contains("GARBAGE")).map(r -> json(r.body())).toList();
            assertEquals(9, bodies.stream().map(b -> b.get("seed").asLong()).distinct().count());
            assertEquals(1, bodies.stream().map(b -> b.path("messages").path(0).path("content").asText()).distinct().count());
        }
    }

    @Test void aRetryThatParsesCounts() {
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            Score s = score(server, List.of("FLAKY")).get(0);
            assertEquals(4.0, s.value());
            assertEquals(3.0, s.stats().get("parsed"));
            assertEquals(0.0, s.stats().get("unparsed"));
            assertEquals(6.0, s.stats().get("requests"));   // every judgment unparsed once, then parsed on its first retry
            assertEquals(6, server.count());
        }
    }

    @Test void aRequestTheServerRejectsMakesThatCompletionMissingWithTheServersMessage() {
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            List<Score> s = score(server, List.of("TOOLONG", "BAD"));
            assertEquals("judge server rejected the request: " + server.url() + "/chat/completions answered 400: This model's maximum "
                    + "context length is 4096 tokens. However, you requested 5120 tokens.", s.get(0).details());
            assertNull(s.get(0).value());
            assertEquals(3.0, s.get(0).stats().get("rejected"));
            assertEquals(3.0, s.get(0).stats().get("requests"));   // not retried: it would be rejected again
            assertEquals(1.0, s.get(1).value());                    // the prompt's other completions are judged
        }
    }

    @Test void aMisconfiguredServerFailsTheRunInsteadOfMakingEveryScoreMissing() {
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            OpenAiClient.HttpError e = assertThrows(OpenAiClient.HttpError.class, () -> score(server, List.of("GOOD", "NOWHERE")));
            assertEquals(404, e.status);
        }
    }

    @Test void theSameInputsSendTheSameBytesWithSeedsFromPromptCompletionJudgmentAndAttempt() {
        List<String> completions = List.of("GOOD", "MIXED", "GARBAGE");
        List<String> first, second;
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            score(server, completions);
            first = server.requests().stream().map(FakeJudge.Request::body).sorted().toList();
        }
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            score(server, completions);
            second = server.requests().stream().map(FakeJudge.Request::body).sorted().toList();
        }
        assertEquals(first, second);
        assertEquals(3 + 3 + 9, first.size());
        String judgePrompt = JudgeTemplate.render(JudgeScorer.RUBRIC, Map.of("prompt", PROMPT, "response", "GOOD"));
        long seed = Seeds.of(Seeds.fingerprint(PROMPT), Seeds.fingerprint("GOOD"), 1, 0) >>> 1;   // judgment 1, attempt 0
        String expected = "{\"model\":\"fake-judge\",\"messages\":[{\"role\":\"user\",\"content\":" + Jsonl.JSON.valueToTree(judgePrompt)
                + "}],\"temperature\":0.7,\"max_tokens\":256,\"seed\":" + seed + "}";
        assertTrue(first.contains(expected), expected + " in " + first);
        long retry = Seeds.of(Seeds.fingerprint(PROMPT), Seeds.fingerprint("GARBAGE"), 2, 2) >>> 1;   // judgment 2, second retry
        assertTrue(first.stream().anyMatch(b -> b.endsWith("\"seed\":" + retry + "}")), "the last retry's seed " + retry);
    }

    /** A resumed run's judge (a new scorer on the same cache) asks the server nothing it asked before. */
    @Test void aSecondScorerWithTheSameCacheMakesNoRequests(@TempDir Path cache) throws Exception {
        ScorerContext context = new ScorerContext(Optional.of(cache), Optional.empty());
        List<String> completions = List.of("GOOD", "MIXED", "GARBAGE");
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            JudgeConfig c = config(server.url(), JudgeApi.CHAT, Optional.empty());
            List<Score> before = c.open(context).score(ScoreInput.of(PROMPT), completions);
            int asked = server.count();
            try (Stream<Path> files = Files.walk(cache)) {
                assertEquals(asked, files.filter(Files::isRegularFile).count(), "one cache entry per request");
            }
            List<Score> after = c.open(context).score(ScoreInput.of(PROMPT), completions);
            assertEquals(asked, server.count(), "the cache answers every request of the second scorer");
            assertEquals(before, after);
        }
    }

    @Test void theCompletionsApiSendsTheRenderedPromptAsPrompt() {
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            Score s = config(server.url(), JudgeApi.COMPLETIONS, Optional.empty()).open(ScorerContext.NONE)
                    .score(ScoreInput.of(PROMPT), List.of("BAD")).get(0);
            assertEquals(1.0, s.value());
            FakeJudge.Request r = server.requests().get(0);
            assertEquals("completions", r.path());
            JsonNode body = json(r.body());
            assertEquals(JudgeTemplate.render(JudgeScorer.RUBRIC, Map.of("prompt", PROMPT, "response", "BAD")), body.get("prompt").asText());
            assertFalse(body.has("messages"));
        }
    }

    @Test void aUsersTemplateIsFilledInOnePass(@TempDir Path dir) throws Exception {
        Path t = Files.writeString(dir.resolve("judge.txt"), "Question: {prompt}\n<response>{response}</response>\nEnd with Score: N");
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            config(server.url(), JudgeApi.CHAT, Optional.of(t)).open(ScorerContext.NONE).score(ScoreInput.of("Q {response}?"), List.of("GOOD {prompt}"));
            // a placeholder inside the prompt or the response is shown as written, not expanded
            assertEquals("Question: Q {response}?\n<response>GOOD {prompt}</response>\nEnd with Score: N", server.requests().get(0).prompt());
        }
    }

    @Test void theBuiltInRubricIsThePapersWithThePromptAndResponseInIt() {
        String p = JudgeTemplate.render(JudgeScorer.RUBRIC, Map.of("prompt", "PROMPT_TEXT", "response", "RESPONSE_TEXT"));
        assertTrue(p.startsWith("Review the user's question and the corresponding response using the additive 5-point scoring system"), p);
        for (String s : List.of("- Add 1 point if", "- Add another point if", "- Award a third point if", "- Grant a fourth point if",
                "- Bestow a fifth point for", "User: PROMPT_TEXT\n", "<response>RESPONSE_TEXT</response>",
                "- Briefly justify your total score, up to 100 words.\n", "- Conclude with the score using the format: \"Score: <total points>\""))
            assertTrue(p.contains(s), s + " in\n" + p);
        assertFalse(p.contains("{prompt}") || p.contains("{response}"), p);
    }

    // ---- config ----

    static FeedbackConfigTest.Loop parse(Path dir, String items) {
        return FeedbackConfigTest.BINDER.parse("t.yaml", "feedback:\n" + items, dir, List.of());
    }

    static String error(Path dir, String items) { return assertThrows(UserError.class, () -> parse(dir, items)).getMessage(); }

    @Test void theYamlBindsAJudgeWithItsDefaultsAndReadsBack(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("t.txt"), "{prompt} / {response}");
        FeedbackConfigTest.Loop loop = parse(dir, """
                  - {type: judge, url: "http://127.0.0.1:8000/v1", model: qwen}
                  - {type: judge, url: "http://h:1/v1", model: m, api_key_env: JUDGE_KEY, api: completions, k: 5, retries: 0, temperature: 1.0,
                     max_tokens: 64, template: t.txt, timeout_seconds: 5, max_concurrency: 2, weight: 0.5}
                """);
        assertEquals(List.of(new FeedbackItem(1.0, new JudgeConfig("http://127.0.0.1:8000/v1", "qwen", "JPO_API_KEY", JudgeApi.CHAT, 3, 2, 0.7,
                        256, Optional.empty(), 60, 8)),
                new FeedbackItem(0.5, new JudgeConfig("http://h:1/v1", "m", "JUDGE_KEY", JudgeApi.COMPLETIONS, 5, 0, 1.0, 64,
                        Optional.of(dir.resolve("t.txt")), 5, 2))), loop.feedback());
        String yaml = FeedbackConfigTest.BINDER.toYaml(loop, "resolved");
        assertEquals(loop, FeedbackConfigTest.BINDER.parse("elsewhere.yaml", yaml, Path.of("/"), List.of()), yaml);
        assertTrue(yaml.contains("  - {type: judge, url: \"http://127.0.0.1:8000/v1\", model: \"qwen\", api_key_env: \"JPO_API_KEY\", api: chat, k: 3,"), yaml);
        assertEquals("judge:qwen", ((JudgeConfig) loop.feedback().get(0).scorer()).open(ScorerContext.NONE).name());
    }

    @Test void badKeysAreConfigErrorsNamingTheKey(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("no-response.txt"), "Rate this answer to {prompt} from 0 to 5.");
        String item = "  - {type: judge, url: \"http://h:1/v1\", model: m, ";
        assertEquals("t.yaml:2: feedback item 1: k must be >= 1, got 0", error(dir, item + "k: 0}\n"));
        assertEquals("t.yaml:2: feedback item 1: template: " + dir.resolve("no-response.txt") + " has no {response} placeholder; a judge "
                + "template needs {prompt}, {response}", error(dir, item + "template: no-response.txt}\n"));
        assertEquals("t.yaml:2: feedback item 1: api: expected one of chat, completions; got \"chats\"; did you mean 'chat'?",
                error(dir, item + "api: chats}\n"));
        assertEquals("t.yaml:2: feedback item 1: k is 3 at temperature 0: the same judgment asked 3 times; set k: 1 or temperature > 0",
                error(dir, item + "temperature: 0}\n"));
        assertEquals("t.yaml:2: feedback item 1: retries must be >= 0, got -1", error(dir, item + "retries: -1}\n"));
        assertEquals("t.yaml:2: feedback item 1: url is an endpoint; give the base URL (up to /v1), got http://h:1/v1/chat/completions",
                error(dir, "  - {type: judge, url: \"http://h:1/v1/chat/completions\", model: m}\n"));
        assertEquals("t.yaml:2: feedback item 1: url must be an http(s) base URL such as http://127.0.0.1:8000/v1, got localhost:8000",
                error(dir, "  - {type: judge, url: \"localhost:8000\", model: m}\n"));
        assertEquals("t.yaml:2: missing required keys feedback item 1: url, feedback item 1: model (loop --keys shows every key)", error(dir, "  - {type: judge}\n"));
        assertTrue(error(dir, item + "template: nowhere.txt}\n").startsWith("t.yaml:2: feedback item 1: template: cannot read "),
                error(dir, item + "template: nowhere.txt}\n"));
    }

    /** A key belongs in the environment: api_key in a judge's block is refused, naming api_key_env. */
    @Test void anApiKeyInTheFileIsRefusedPointingAtApiKeyEnv(@TempDir Path dir) {
        String advice = "; write the name of the environment variable holding the key as api_key_env (default JPO_API_KEY); a key "
                + "must never be written in a config file";
        assertEquals("t.yaml:2: unknown key 'api_key' in 'feedback item 1'" + advice,
                error(dir, "  - {type: judge, url: \"http://h:1/v1\", model: m, api_key: sk-x}\n"));
        assertEquals("t.yaml:3: unknown key 'api_key' in 'feedback item 2'" + advice,
                error(dir, "  - {type: contains, words: [a]}\n  - {type: pairwise_judge, url: \"http://h:1/v1\", model: m, api_key: sk-x}\n"));
        String pasted = error(dir, "  - {type: judge, url: \"http://h:1/v1\", model: m, api_key_env: sk-x-123}\n");
        assertEquals("t.yaml:2: feedback item 1: api_key_env must name an environment variable (letters, digits and _, e.g. JPO_API_KEY), "
                + "not hold the key itself", pasted);
    }

    /**
     * The judge sends the key in the variable api_key_env names, and only its name reaches the resolved config. PATH
     * stands in for a key variable: a test cannot set one in its own process.
     */
    @Test void theKeyComesFromTheNamedVariableAndNeverReachesTheResolvedConfig(@TempDir Path dir) {
        String key = System.getenv("PATH");
        org.junit.jupiter.api.Assumptions.assumeTrue(key != null && !key.isBlank(), "PATH is not set");
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            FeedbackConfigTest.Loop loop = parse(dir, "  - {type: judge, url: \"" + server.url() + "\", model: fake-judge, k: 1, api_key_env: PATH}\n");
            ((JudgeConfig) loop.feedback().get(0).scorer()).open(ScorerContext.NONE).score(ScoreInput.of(PROMPT), List.of("GOOD"));
            assertEquals(List.of("Bearer " + key), server.requests().stream().map(FakeJudge.Request::authorization).toList());
            String yaml = FeedbackConfigTest.BINDER.toYaml(loop, "resolved");
            assertTrue(yaml.contains("api_key_env: \"PATH\"") && !yaml.contains(key), yaml);
        }
        try (FakeJudge server = new FakeJudge(JudgeTest::recorded)) {
            FeedbackConfigTest.Loop loop = parse(dir, "  - {type: judge, url: \"" + server.url() + "\", model: fake-judge, k: 1, "
                    + "api_key_env: JPO_TEST_UNSET_VARIABLE}\n");
            ((JudgeConfig) loop.feedback().get(0).scorer()).open(ScorerContext.NONE).score(ScoreInput.of(PROMPT), List.of("GOOD"));
            assertNull(server.requests().get(0).authorization(), "an unset variable sends no key");
        }
    }

    static JsonNode json(String s) {
        try {
            return Jsonl.JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
