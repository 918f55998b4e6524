package org.jpo.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.testing.Shared;
import org.jpo.testing.Tree;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.jpo.tensor.Tensors.s;
import static org.junit.jupiter.api.Assertions.*;

/** Errors in OpenAI's shape (and serving goes on), API keys, stop strings, /v1/models, /health, /v1/load. */
class ServerApiTest {
    static final String NAME = "stories";
    static Server server;
    static Client client;

    @BeforeAll static void start() {
        server = Server.start(new Server.Options(Shared.stories260K(), Optional.of(Shared.tok512()), "127.0.0.1", 0, Optional.empty(),
                NAME, Optional.empty(), 16, 4));
        client = new Client(server);
    }

    @AfterAll static void stop() { server.close(); }

    static ObjectNode valid() {
        return Client.object().put("model", NAME).put("prompt", "Once upon a time").put("max_tokens", 8).put("temperature", 0);
    }

    static void assertError(int status, Client.Answer a, String messagePart) {
        assertEquals(status, a.status(), a.body());
        JsonNode e = a.json().get("error");
        assertNotNull(e, a.body());
        for (String f : List.of("message", "type", "param", "code")) assertTrue(e.has(f), "error body lacks " + f + ": " + a.body());
        assertTrue(e.get("message").asText().contains(messagePart), "message should say '" + messagePart + "': " + a.body());
        // the server goes on serving
        assertEquals(200, client.post("/v1/completions", valid()).status());
    }

    @Test void badRequestsGetOpenAiErrorsAndTheServerGoesOn() {
        assertError(400, client.post("/v1/completions", "{\"prompt\": "), "invalid JSON");
        assertError(400, client.post("/v1/completions", valid().without("prompt")), "prompt is required");
        assertError(400, client.post("/v1/completions", valid().put("prompt", 5)), "prompt must be");
        assertError(400, client.post("/v1/completions", valid().put("max_tokens", "8")), "max_tokens must be an integer");
        assertError(400, client.post("/v1/completions", valid().put("max_tokens", 100_000)), "maximum context length is 512");
        assertError(400, client.post("/v1/completions", valid().put("n", 5)), "n must be between 1 and 4");
        assertError(400, client.post("/v1/completions", valid().put("temperature", -0.5)), "temperature must be >= 0");
        assertError(400, client.post("/v1/completions", valid().put("top_p", 0)), "top_p must be in (0, 1]");
        assertError(400, client.post("/v1/completions", valid().put("top_p", 1.5)), "top_p must be in (0, 1]");
        assertError(400, client.post("/v1/completions", valid().put("min_p", 0.05)), "min_p is not supported by jpo serve");
        assertError(400, client.post("/v1/completions", valid().put("repetition_penalty", 1.2)), "repetition_penalty is not supported");
        assertEquals(200, client.post("/v1/completions", valid().put("min_p", 0).put("presence_penalty", 0.0)).status(), "neutral values");
        var badIds = valid();
        badIds.putArray("prompt").add(1).add(100_000);
        assertError(400, client.post("/v1/completions", badIds), "token ids are integers in [0, 512)");
        var chat = Client.object().put("model", NAME);
        chat.putArray("messages").addObject().put("role", "user").put("content", "Hi");
        assertError(400, client.post("/v1/chat/completions", chat), "no chat template");
        assertError(404, client.post("/v1/completions", valid().put("model", "gpt-4")), "gpt-4");
        assertError(404, client.get("/v1/nothing"), "no such endpoint");
        assertError(405, client.get("/v1/completions"), "GET is not allowed");
        assertError(405, client.send("DELETE", "/health"), "DELETE is not allowed");
        assertTrue(client.metric("jpo_errors_total{status=\"400\"}") >= 11);
    }

    @Test void anApiKeyIsCheckedOnEveryRequest() {
        try (Server keyed = Server.start(new Server.Options(Shared.stories260K(), Optional.of(Shared.tok512()), "127.0.0.1", 0,
                Optional.of("sekrit"), NAME, Optional.empty(), 16, 4))) {
            for (Optional<String> wrong : List.of(Optional.<String>empty(), Optional.of("guess"))) {
                Client c = new Client(keyed, wrong);
                Client.Answer a = c.post("/v1/completions", valid());
                assertEquals(401, a.status());
                assertEquals("invalid_api_key", a.json().get("error").get("code").asText());
                assertEquals(401, c.get("/v1/models").status());
                assertEquals(401, c.get("/health").status());
            }
            Client right = new Client(keyed, Optional.of("sekrit"));
            assertEquals(200, right.post("/v1/completions", valid()).status());
            assertEquals(200, right.get("/health").status());
        }
    }

    @Test void modelsAndHealth() {
        Client.Answer models = client.get("/v1/models");
        assertEquals(200, models.status());
        assertEquals("list", models.json().get("object").asText());
        assertEquals(NAME, models.json().get("data").get(0).get("id").asText());
        assertEquals(200, client.get("/health").status());
    }

    @Test void aStopStringCutsTheTextAndEndsTheRow() {
        JsonNode free = client.post("/v1/completions", valid().put("max_tokens", 40).put("return_token_ids", true)).json().get("choices").get(0);
        String text = free.get("text").asText();
        int space = text.indexOf(' ', 3);
        assertTrue(space > 0, "no word to stop at in " + text);
        String stop = text.substring(space, space + 2);
        ObjectNode req = valid().put("max_tokens", 40).put("return_token_ids", true);
        req.putArray("stop").add("zzz").add(stop);
        JsonNode cut = client.post("/v1/completions", req).json().get("choices").get(0);
        assertEquals(text.substring(0, text.indexOf(stop)), cut.get("text").asText());
        assertEquals("stop", cut.get("finish_reason").asText());
        assertTrue(cut.get("token_ids").size() < free.get("token_ids").size(), "the row went on after its stop string");
        List<String> events = client.events("/v1/completions", req.put("stream", true));
        StringBuilder streamed = new StringBuilder();
        for (String e : events.subList(0, events.size() - 1)) streamed.append(new Client.Answer(200, e).json().get("choices").get(0).get("text").asText());
        assertEquals(cut.get("text").asText(), streamed.toString());
    }

    @Test void loadSwitchesCheckpointsAndABadPathKeepsTheOldOne(@TempDir Path tmp) throws Exception {
        Path modified = tmp.resolve("modified");
        String checksum;
        try (Transformer m = Checkpoints.load(Shared.stories260K());
             PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            m.parameters().get("model.layers.0.mlp.down_proj.weight").mul_(s(-2.0));   // not the final norm: scaling it keeps the argmax
            Checkpoints.save(m, modified, List.of(Shared.tok512()));
            checksum = m.checksum();
        }
        try (Server own = Server.start(new Server.Options(Shared.stories260K(), Optional.of(Shared.tok512()), "127.0.0.1", 0,
                Optional.empty(), NAME, Optional.empty(), 16, 4))) {
            Client c = new Client(own);
            String before = c.post("/v1/completions", valid().put("max_tokens", 24)).json().get("choices").get(0).get("text").asText();

            Client.Answer loaded = c.post("/v1/load", Client.object().put("model", modified.toString()));
            assertEquals(200, loaded.status(), loaded.body());
            assertEquals(checksum, loaded.json().get("checksum").asText());
            assertEquals(modified.toString(), loaded.json().get("model").asText());
            String after = c.post("/v1/completions", valid().put("max_tokens", 24)).json().get("choices").get(0).get("text").asText();
            assertNotEquals(before, after, "the answer did not change with the checkpoint");
            assertEquals(NAME, c.get("/v1/models").json().get("data").get(0).get("id").asText(), "the served name stays");

            Client.Answer bad = c.post("/v1/load", Client.object().put("model", tmp.resolve("nothing").toString()));
            assertEquals(400, bad.status(), bad.body());
            assertTrue(bad.json().get("error").get("message").asText().contains("still serving"));
            assertEquals(after, c.post("/v1/completions", valid().put("max_tokens", 24)).json().get("choices").get(0).get("text").asText());

            // a tokenizer short of the vocabulary once loaded, and every later request was a 500 until the next load
            Path small = tmp.resolve("tok511.bin");
            Files.write(small, Tree.firstTokens(Files.readAllBytes(Shared.tok512()), 511));
            Client.Answer shortTokenizer = c.post("/v1/load", Client.object().put("model", modified.toString()).put("tokenizer", small.toString()));
            assertEquals(400, shortTokenizer.status(), shortTokenizer.body());
            String message = shortTokenizer.json().get("error").get("message").asText();
            assertTrue(message.contains("511 tokens") && message.contains("vocabulary of 512") && message.contains("still serving"), message);
            for (int i = 0; i < 3; i++) {
                Client.Answer still = c.post("/v1/completions", valid().put("max_tokens", 24));
                assertEquals(200, still.status(), still.body());
                assertEquals(after, still.json().get("choices").get(0).get("text").asText());
            }
            assertEquals(1, c.metric("jpo_load_total"));
            assertEquals(2, c.metric("jpo_load_failures_total"));
        }
    }
}
