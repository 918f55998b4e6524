package org.jpo.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.Seeds;
import org.jpo.io.Jsonl;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.sampling.Completion;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.SamplingParams;
import org.jpo.testing.Shared;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/** 64 clients at once, half of them streaming: each gets its own seed's completion, and rows share batches. */
class ServerConcurrencyTest {
    static final int CLIENTS = 64;
    static Server server;
    static Transformer model;
    static Tokenizer tok;

    @BeforeAll static void start() {
        server = Server.start(Server.Options.of(Shared.stories260K(), Optional.of(Shared.tok512())));
        model = Checkpoints.load(Shared.stories260K());
        tok = Tokenizers.open(Shared.tok512());
    }

    @AfterAll static void stop() {
        server.close();
        model.close();
    }

    /** What one client got: the text (streamed: its chunks joined), the ids and the finish reason. */
    record Got(String text, int[] ids, String finish) {}

    @Test void sixtyFourConcurrentClientsEachGetTheirSeedsCompletionInSharedBatches() throws Exception {
        List<Prompt> prompts = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            prompts.add(new Prompt(c, tok.encode(ServerMatchesLocalSamplerTest.OPENINGS.get(c % 8), true)));
        }
        var params = new SamplingParams(1, 16, 1.0, 0, 1.0, false, 11);
        List<Completion> local = new LocalSampler(model, LocalSampler.stopIds(model, tok), 64).sample(prompts, params);

        Client client = new Client(server);
        long batchesBefore = client.metric("jpo_batches_total");
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<Got>> got = new ArrayList<>();
        long t0 = System.nanoTime();
        for (Prompt p : prompts) {
            got.add(pool.submit(() -> {
                go.await();
                ObjectNode body = ServerMatchesLocalSamplerTest.request(p, 11, 1, 1.0, 1.0, 16);
                return p.index() % 2 == 0 ? streamed(client, body) : whole(client, body);
            }));
        }
        go.countDown();
        for (Prompt p : prompts) {
            Got g = got.get(p.index()).get();
            Completion want = local.get(p.index());
            assertArrayEquals(want.tokenIds(), g.ids(), "client " + p.index());
            assertEquals(tok.decodeContinuation(p.ids(), want.tokenIds()), g.text(), "client " + p.index());
            assertEquals(want.finish().wireName(), g.finish(), "client " + p.index());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        long batches = client.metric("jpo_batches_total") - batchesBefore;
        System.out.printf("%d clients: %.2f s, %d batches%n", CLIENTS, seconds, batches);
        assertTrue(batches < CLIENTS, "no batching: " + batches + " model calls for " + CLIENTS + " requests");
        assertEquals(CLIENTS, client.metric("jpo_requests_total{endpoint=\"/v1/completions\"}"));
    }

    static Got whole(Client client, ObjectNode body) {
        Client.Answer a = client.post("/v1/completions", body);
        assertEquals(200, a.status(), a.body());
        JsonNode c = a.json().get("choices").get(0);
        return new Got(c.get("text").asText(), ServerMatchesLocalSamplerTest.ids(c.get("token_ids")), c.get("finish_reason").asText());
    }

    static Got streamed(Client client, ObjectNode body) throws IOException {
        body.put("stream", true);
        List<String> events = client.events("/v1/completions", body);
        assertEquals("[DONE]", events.get(events.size() - 1));
        StringBuilder text = new StringBuilder();
        List<Integer> ids = new ArrayList<>();
        String finish = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode chunk = Jsonl.JSON.readTree(e);
            assertEquals("text_completion", chunk.get("object").asText());
            JsonNode c = chunk.get("choices").get(0);
            text.append(c.get("text").asText());
            c.get("token_ids").forEach(id -> ids.add(id.asInt()));
            assertNull(finish, "a chunk after the finishing one");
            if (!c.get("finish_reason").isNull()) finish = c.get("finish_reason").asText();
        }
        assertTrue(events.size() > 2, "the tokens came in one chunk, not as they were generated");
        return new Got(text.toString(), ids.stream().mapToInt(Integer::intValue).toArray(), finish);
    }
}
