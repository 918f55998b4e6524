package org.jpo.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.Seeds;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.testing.Shared;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

import static org.jpo.sampling.FakeServer.reply;
import static org.junit.jupiter.api.Assertions.*;

class RemoteSamplerTest {
    private static Tokenizer tok;
    private FakeServer server;

    @BeforeAll static void openTokenizer() { tok = Tokenizers.open(Shared.tok512()); }

    @AfterAll static void closeTokenizer() { if (tok != null) tok.close(); }

    @BeforeEach void start() throws Exception { server = new FakeServer(); }

    @AfterEach void stop() { server.close(); }

    private OpenAiClient client(Optional<Path> cache) {
        return new OpenAiClient(new OpenAiClient.Options(server.base(), Optional.empty(), Duration.ofSeconds(10), 8, 0, cache));
    }

    private RemoteSampler sampler(ObjectNode extra) { return new RemoteSampler(client(Optional.empty()), "policy", tok, map(extra)); }

    @SuppressWarnings("unchecked")
    private static java.util.Map<String, Object> map(ObjectNode o) { return Jsonl.JSON.convertValue(o, java.util.Map.class); }

    private static ObjectNode json(String s) throws Exception { return (ObjectNode) Jsonl.JSON.readTree(s); }

    /** Serves /v1/completions with {@code choice(request, j)} for j = n-1 down to 0 (out of order on purpose). */
    private void serve(BiFunction<JsonNode, Integer, ObjectNode> choice) {
        server.on("/v1/completions", (ex, req, count) -> {
            JsonNode body = Jsonl.JSON.readTree(req.body());
            Thread.sleep(Math.max(0, 60 - 20L * body.path("prompt").size()));   // longer prompts answer first
            ArrayNode choices = Jsonl.JSON.createArrayNode();
            for (int j = body.path("n").asInt() - 1; j >= 0; j--) choices.add(choice.apply(body, j).put("index", j));
            reply(ex, 200, Jsonl.JSON.createObjectNode().put("object", "text_completion").set("choices", choices).toString());
        });
    }

    /** A choice with token_ids [last prompt id + j, 7], log-probs [-0.1 - j, -1], stop for odd j. */
    private static ObjectNode echo(JsonNode body, int j) {
        ObjectNode c = Jsonl.JSON.createObjectNode();
        JsonNode prompt = body.path("prompt");
        c.putArray("token_ids").add(prompt.get(prompt.size() - 1).asInt() + j).add(7);
        c.putObject("logprobs").putArray("token_logprobs").add(-0.1 - j).add(-1.0);
        c.put("text", "ignored when token_ids are given");
        return c.put("finish_reason", j % 2 == 1 ? "stop" : "length");
    }

    @Test void theRequestBodyIsExactlySpecified() throws Exception {
        serve(RemoteSamplerTest::echo);
        SamplingParams params = new SamplingParams(2, 4, 0.7, 40, 0.9, false, 42);
        sampler(json("{\"min_p\":0.05}")).sample(List.of(new Prompt(5, new int[] {1, 9})), params);
        assertEquals("{\"model\":\"policy\",\"prompt\":[1,9],\"n\":2,\"max_tokens\":4,\"temperature\":0.7,\"top_p\":0.9,"
                + "\"top_k\":40,\"seed\":" + Seeds.promptSeed(42, 0, 5) + ",\"logprobs\":1,\"return_token_ids\":true,\"min_p\":0.05}",
                server.requests().get(0).body());
    }

    @Test void greedyIsTemperatureZeroAndTopKIsOnlySentWhenOn() throws Exception {
        serve(RemoteSamplerTest::echo);
        sampler(json("{}")).sample(List.of(new Prompt(0, new int[] {1})), SamplingParams.greedy(3));
        assertEquals("{\"model\":\"policy\",\"prompt\":[1],\"n\":1,\"max_tokens\":3,\"temperature\":0.0,\"top_p\":1.0,"
                + "\"seed\":" + Seeds.promptSeed(0, 0, 0) + ",\"logprobs\":1,\"return_token_ids\":true}", server.requests().get(0).body());
    }

    @Test void completionsAreOrderedByPromptThenSampleWithTheServersTokens() throws Exception {
        serve(RemoteSamplerTest::echo);
        List<Prompt> prompts = List.of(new Prompt(4, new int[] {1, 20}), new Prompt(9, new int[] {1, 30, 31}), new Prompt(2, new int[] {1}));
        SamplingParams params = new SamplingParams(3, 2, 1.0, 0, 1.0, false, 11);
        List<Completion> out = sampler(json("{}")).sample(prompts, params);
        assertEquals(9, out.size());
        for (int i = 0; i < 3; i++) {
            Prompt p = prompts.get(i);
            for (int j = 0; j < 3; j++) {
                Completion c = out.get(i * 3 + j);
                assertEquals(p.index(), c.promptIndex());
                assertEquals(j, c.sampleIndex());
                assertArrayEquals(new int[] {p.ids()[p.ids().length - 1] + j, 7}, c.tokenIds());
                assertArrayEquals(new double[] {-0.1 - j, -1.0}, c.tokenLogps());
                assertEquals(j % 2 == 1 ? FinishReason.STOP : FinishReason.LENGTH, c.finish());
                assertEquals(Seeds.sampleOf(Seeds.promptSeed(11, 0, p.index()), j), c.seed());
                assertEquals(Seeds.sample(11, 0, p.index(), j), c.seed(), "the local sampler's seed for this sample");
            }
        }
    }

    @Test void withoutTokenIdsTheTextIsTokenizedAfterThePrompt() throws Exception {
        int[] prompt = tok.encode("Once upon a time", true);
        int[] whole = tok.encode("Once upon a time there was a little cat", true);
        int[] sampled = Arrays.copyOfRange(whole, prompt.length, whole.length);
        String text = tok.decodeContinuation(prompt, sampled);
        serve((body, j) -> {
            ObjectNode c = Jsonl.JSON.createObjectNode().put("text", text).put("finish_reason", j == 0 ? "length" : "stop");
            ArrayNode lp = c.putObject("logprobs").putArray("token_logprobs");
            for (int t = 0; t < sampled.length + j; t++) lp.add(-0.5);   // the stop token has a log-prob too
            return c;
        });
        List<Completion> out = sampler(json("{}")).sample(List.of(new Prompt(0, prompt)), new SamplingParams(2, 16, 1.0, 0, 1.0, false, 0));
        assertArrayEquals(sampled, out.get(0).tokenIds(), "re-tokenized after the prompt, not from scratch");
        int[] withEos = Arrays.copyOf(sampled, sampled.length + 1);
        withEos[sampled.length] = tok.eosId().orElseThrow();
        assertArrayEquals(withEos, out.get(1).tokenIds(), "a stopped sample ends in EOS, like a local one");
        assertTrue(out.get(0).hasLogps() && out.get(1).hasLogps());
        assertEquals(-0.5 * withEos.length, out.get(1).logp(), 1e-12);
    }

    @Test void reTokenizedIdsThatDoNotMatchTheLogprobsHaveNone() throws Exception {
        int[] prompt = tok.encode("Once upon a time", true);
        serve((body, j) -> {
            ObjectNode c = Jsonl.JSON.createObjectNode().put("text", " there was a cat").put("finish_reason", "length");
            c.putObject("logprobs").putArray("token_logprobs").add(-1.0);   // one server token; the text re-tokenizes to more
            return c;
        });
        Completion c = sampler(json("{}")).sample(List.of(new Prompt(0, prompt)), SamplingParams.greedy(8)).get(0);
        assertTrue(c.tokenIds().length > 1);
        assertEquals(0, c.tokenLogps().length);
        assertFalse(c.hasLogps());
        assertTrue(Double.isNaN(c.logp()), "no log-probs is NaN, never a silent 0");
    }

    @Test void tokenIdsAndLogprobsOfDifferentLengthsAreAnError() throws Exception {
        serve((body, j) -> {
            ObjectNode c = echo(body, j);
            ((ArrayNode) c.path("logprobs").path("token_logprobs")).add(-2.0);
            return c;
        });
        UserError e = assertThrows(UserError.class, () -> sampler(json("{}")).sample(List.of(new Prompt(3, new int[] {1})), SamplingParams.greedy(2)));
        assertTrue(e.getMessage().contains("prompt 3") && e.getMessage().contains("2 token_ids but 3 token_logprobs"), e.getMessage());
    }

    @Test void anUnknownFinishReasonIsAnError() throws Exception {
        serve((body, j) -> echo(body, j).put("finish_reason", "abort"));
        UserError e = assertThrows(UserError.class, () -> sampler(json("{}")).sample(List.of(new Prompt(3, new int[] {1})), SamplingParams.greedy(2)));
        assertTrue(e.getMessage().contains("prompt 3") && e.getMessage().contains("\"abort\""), e.getMessage());
    }

    @Test void theWrongNumberOfChoicesNamesThePrompt() throws Exception {
        server.on("/v1/completions", (ex, req, n) -> reply(ex, 200, "{\"choices\":[{\"index\":0,\"token_ids\":[5],\"finish_reason\":\"length\"}]}"));
        UserError e = assertThrows(UserError.class, () -> sampler(json("{}"))
                .sample(List.of(new Prompt(6, new int[] {1})), new SamplingParams(2, 1, 1.0, 0, 1.0, false, 0)));
        assertTrue(e.getMessage().contains("prompt 6") && e.getMessage().contains("expected 2 choices, got 1"), e.getMessage());
    }

    @Test void repeatedChoiceIndicesAreAnError() throws Exception {
        server.on("/v1/completions", (ex, req, n) -> reply(ex, 200, "{\"choices\":[{\"index\":0,\"token_ids\":[5],\"finish_reason\":\"length\"},"
                + "{\"index\":0,\"token_ids\":[6],\"finish_reason\":\"length\"}]}"));
        UserError e = assertThrows(UserError.class, () -> sampler(json("{}"))
                .sample(List.of(new Prompt(6, new int[] {1})), new SamplingParams(2, 1, 1.0, 0, 1.0, false, 0)));
        assertTrue(e.getMessage().contains("prompt 6") && e.getMessage().contains("indices"), e.getMessage());
    }

    @Test void extraFieldsMayNotOverrideTheSamplersOwn() {
        UserError e = assertThrows(UserError.class, () -> sampler(json("{\"seed\":1}")));
        assertTrue(e.getMessage().contains("'seed'"), e.getMessage());
    }

    @Test void aResumedRunIsAnsweredFromTheCache(@TempDir Path dir) throws Exception {
        serve(RemoteSamplerTest::echo);
        List<Prompt> prompts = List.of(new Prompt(0, new int[] {1, 2}), new Prompt(1, new int[] {1, 3}));
        SamplingParams params = new SamplingParams(2, 2, 0.8, 0, 1.0, false, 5);
        List<Completion> first = new RemoteSampler(client(Optional.of(dir)), "policy", tok, java.util.Map.of()).sample(prompts, params);
        List<Completion> again = new RemoteSampler(client(Optional.of(dir)), "policy", tok, java.util.Map.of()).sample(prompts, params);
        assertEquals(2, server.count("/v1/completions"), "the same prompts and params make byte-identical requests");
        for (int k = 0; k < first.size(); k++) assertArrayEquals(first.get(k).tokenIds(), again.get(k).tokenIds());
    }
}
