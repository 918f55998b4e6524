package org.jpo.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import org.jpo.io.Jsonl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.jpo.sampling.FakeServer.hangUp;
import static org.jpo.sampling.FakeServer.reply;
import static org.junit.jupiter.api.Assertions.*;

class OpenAiClientTest {
    private static final String OK = "{\"ok\":true}";

    private FakeServer server;
    private final List<Duration> waits = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach void start() throws Exception { server = new FakeServer(); }

    @AfterEach void stop() { server.close(); }

    /** A client whose waits are recorded, not slept, with every jitter draw equal to {@code u}. */
    private OpenAiClient client(int maxRetries, double u) { return client(options(maxRetries, Optional.empty()), u); }

    private OpenAiClient client(OpenAiClient.Options o, double u) { return new OpenAiClient(o, waits::add, () -> u); }

    private OpenAiClient.Options options(int maxRetries, Optional<Path> cache) {
        return new OpenAiClient.Options(server.base(), Optional.empty(), Duration.ofSeconds(10), 4, maxRetries, cache);
    }

    private static ObjectNode json(String s) throws Exception { return (ObjectNode) Jsonl.JSON.readTree(s); }

    // ---- retries

    @Test void a429WaitsAtLeastRetryAfterThenSucceeds() throws Exception {
        server.on("/v1/completions", (ex, req, n) -> {
            if (n == 1) reply(ex, 429, "{\"error\":{\"message\":\"slow down\"}}", "Retry-After", "2");
            else reply(ex, 200, OK);
        });
        OpenAiClient c = client(3, 0.0);   // jitter 0: the backoff alone would not wait at all
        assertTrue(c.post("completions", json("{\"a\":1}")).path("ok").asBoolean());
        assertEquals(2, server.count("/v1/completions"));
        assertEquals(List.of(Duration.ofSeconds(2)), waits);
        assertEquals(new OpenAiClient.Stats(2, 0, 1, 0), c.stats());
    }

    @Test void retryAfterIsSecondsOrAnHttpDateAndIsCapped() {
        Instant now = Instant.parse("2026-12-02T02:00:00Z");
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(30).atOffset(ZoneOffset.UTC));
        assertEquals(Optional.of(Duration.ofSeconds(30)), OpenAiClient.retryAfter(date, now));
        assertEquals(Optional.of(Duration.ofSeconds(7)), OpenAiClient.retryAfter(" 7 ", now));
        assertEquals(Optional.of(Duration.ZERO), OpenAiClient.retryAfter(date, now.plusSeconds(60)));   // a date passed
        assertEquals(Optional.empty(), OpenAiClient.retryAfter("soon", now));
        assertEquals(Duration.ofSeconds(60), OpenAiClient.delay(0, 0.5, Optional.of(Duration.ofHours(1))));
        // the backoff wins when it is longer than Retry-After
        assertEquals(Duration.ofMillis(8000), OpenAiClient.delay(4, 1.0, Optional.of(Duration.ofSeconds(1))));
    }

    @Test void a503IsRetriedWithGrowingBackoff() throws Exception {
        server.on("/v1/completions", (ex, req, n) -> {
            if (n <= 2) reply(ex, 503, "{\"error\":{\"message\":\"busy\"}}");
            else reply(ex, 200, OK);
        });
        OpenAiClient c = client(5, 1.0);   // jitter at its ceiling: the waits are the ceilings
        c.post("completions", json("{}"));
        assertEquals(3, server.count("/v1/completions"));
        assertEquals(List.of(OpenAiClient.BASE_DELAY, OpenAiClient.BASE_DELAY.multipliedBy(2)), waits);
        assertEquals(2, c.stats().retries());
    }

    @Test void backoffIsFullJitterBelowADoublingCappedCeiling() {
        SplittableRandom r = new SplittableRandom(7);
        for (int retry = 0; retry < 12; retry++) {
            long ceiling = Math.min(OpenAiClient.MAX_DELAY.toMillis(), OpenAiClient.BASE_DELAY.toMillis() << retry);
            for (int k = 0; k < 50; k++) {
                double u = r.nextDouble();
                Duration d = OpenAiClient.delay(retry, u, Optional.empty());
                assertEquals((long) (u * ceiling), d.toMillis(), "retry " + retry + ", u " + u);
                assertTrue(!d.isNegative() && d.toMillis() <= ceiling);
            }
        }
        assertEquals(OpenAiClient.MAX_DELAY, OpenAiClient.delay(40, 1.0, Optional.empty()));
    }

    @Test void aDroppedConnectionIsRetriedThenNamesUrlAndAttempts() throws Exception {
        server.on("/v1/completions", (ex, req, n) -> hangUp(ex));
        OpenAiClient c = client(2, 0.5);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> c.post("completions", json("{}")));
        assertTrue(e.getMessage().contains(server.base() + "/completions"), e.getMessage());
        assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
        assertEquals(3, server.count("/v1/completions"));
        assertEquals(2, waits.size());
        assertEquals(new OpenAiClient.Stats(3, 0, 2, 1), c.stats());
    }

    @Test void aDroppedConnectionThenAnAnswerSucceeds() throws Exception {
        server.on("/v1/completions", (ex, req, n) -> {
            if (n == 1) hangUp(ex);
            else reply(ex, 200, OK);
        });
        assertTrue(client(1, 0.5).post("completions", json("{}")).path("ok").asBoolean());
        assertEquals(2, server.count("/v1/completions"));
    }

    @Test void aSlowAnswerTimesOutAndIsRetried() throws Exception {
        server.on("/v1/completions", (ex, req, n) -> {
            Thread.sleep(3000);
            reply(ex, 200, OK);
        });
        OpenAiClient c = client(new OpenAiClient.Options(server.base(), Optional.empty(), Duration.ofMillis(300), 4, 1, Optional.empty()), 0.5);
        long t0 = System.nanoTime();
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> c.post("completions", json("{}")));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 2500, "took " + ms + " ms");
        assertTrue(e.getMessage().contains("HttpTimeoutException") && e.getMessage().contains("after 2 attempts"), e.getMessage());
        assertEquals(2, server.count("/v1/completions"));
    }

    @Test void a400IsNotRetriedAndSurfacesTheServersMessage() throws Exception {
        server.on("/v1/completions", (ex, req, n) -> reply(ex, 400,
                "{\"error\":{\"message\":\"max_tokens is too large\",\"type\":\"BadRequestError\"}}"));
        OpenAiClient c = client(5, 0.5);
        OpenAiClient.HttpError e = assertThrows(OpenAiClient.HttpError.class, () -> c.post("completions", json("{}")));
        assertEquals(400, e.status);
        assertTrue(e.getMessage().contains("max_tokens is too large"), e.getMessage());
        assertEquals(1, server.count("/v1/completions"));
        assertEquals(List.of(), waits);
        assertEquals(new OpenAiClient.Stats(1, 0, 0, 1), c.stats());
    }

    @Test void givingUpOn503NamesUrlStatusAndAttempts() throws Exception {
        server.on("/v1/completions", (ex, req, n) -> reply(ex, 503, "{\"error\":{\"message\":\"overloaded\"}}"));
        OpenAiClient.HttpError e = assertThrows(OpenAiClient.HttpError.class, () -> client(2, 0.5).post("completions", json("{}")));
        assertEquals(503, e.status);
        for (String s : List.of(server.base() + "/completions", "503", "overloaded", "3 attempts")) {
            assertTrue(e.getMessage().contains(s), "no '" + s + "' in: " + e.getMessage());
        }
        assertEquals(3, server.count("/v1/completions"));
    }

    // ---- concurrency

    @Test void threadsNeverHaveMoreThanMaxConcurrencyInFlight() throws Exception {
        server.on("/v1/completions", (ex, req, n) -> {
            Thread.sleep(150);
            reply(ex, 200, OK);
        });
        OpenAiClient c = client(new OpenAiClient.Options(server.base(), Optional.empty(), Duration.ofSeconds(10), 3, 0, Optional.empty()), 0.5);
        ExecutorService threads = Executors.newFixedThreadPool(12);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<JsonNode>> fs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ObjectNode body = json("{\"i\":" + i + "}");
            fs.add(threads.submit(() -> {
                go.await();
                return c.post("completions", body);
            }));
        }
        go.countDown();
        for (Future<JsonNode> f : fs) assertTrue(f.get().path("ok").asBoolean());
        threads.shutdown();
        assertEquals(3, server.maxInFlight(), "3 in flight at most, and 12 callers reach 3");
    }

    @Test void postAllAnswersInOrderWithinTheBound() throws Exception {
        server.on("/v1/completions", (ex, req, n) -> {
            int i = Jsonl.JSON.readTree(req.body()).path("i").asInt();
            Thread.sleep((10 - i) * 20L);   // later bodies answer first
            reply(ex, 200, "{\"i\":" + i + "}");
        });
        List<ObjectNode> bodies = new ArrayList<>();
        for (int i = 0; i < 10; i++) bodies.add(json("{\"i\":" + i + "}"));
        List<JsonNode> answers = client(0, 0.5).postAll("completions", bodies);
        for (int i = 0; i < 10; i++) assertEquals(i, answers.get(i).path("i").asInt());
        assertTrue(server.maxInFlight() <= 4 && server.maxInFlight() >= 2, "max in flight " + server.maxInFlight());
    }

    @Test void postAllRethrowsTheFailureAfterTheOthersAndTheirAnswersStayCached(@TempDir Path dir) throws Exception {
        AtomicBoolean broken = new AtomicBoolean(true);
        CountDownLatch othersAnswered = new CountDownLatch(5);
        server.on("/v1/completions", (ex, req, n) -> {
            int i = Jsonl.JSON.readTree(req.body()).path("i").asInt();
            if (i == 3 && broken.get()) {
                othersAnswered.await(5, TimeUnit.SECONDS);
                reply(ex, 400, "{\"error\":{\"message\":\"bad prompt 3\"}}");
            } else {
                reply(ex, 200, "{\"i\":" + i + "}");
                othersAnswered.countDown();
            }
        });
        List<ObjectNode> bodies = new ArrayList<>();
        for (int i = 0; i < 6; i++) bodies.add(json("{\"i\":" + i + "}"));
        OpenAiClient.HttpError e = assertThrows(OpenAiClient.HttpError.class,
                () -> client(options(0, Optional.of(dir)), 0.5).postAll("completions", bodies));
        assertTrue(e.getMessage().contains("bad prompt 3"), e.getMessage());
        assertEquals(6, server.count("/v1/completions"));
        assertEquals(5, jsonFiles(dir).size(), "every answer received before the failure is cached");
        broken.set(false);
        List<JsonNode> answers = client(options(0, Optional.of(dir)), 0.5).postAll("completions", bodies);
        assertEquals(7, server.count("/v1/completions"), "a rerun sends only the failed request");
        for (int i = 0; i < 6; i++) assertEquals(i, answers.get(i).path("i").asInt());
    }

    @Test void postAllSendsNoMoreRequestsAfterAFailure() throws Exception {
        server.on("/v1/completions", (ex, req, n) -> reply(ex, n == 1 ? 400 : 200, "{\"error\":{\"message\":\"bad\"}}"));
        List<ObjectNode> bodies = new ArrayList<>();
        for (int i = 0; i < 20; i++) bodies.add(json("{\"i\":" + i + "}"));
        OpenAiClient c = client(new OpenAiClient.Options(server.base(), Optional.empty(), Duration.ofSeconds(10), 1, 0, Optional.empty()), 0.5);
        assertThrows(OpenAiClient.HttpError.class, () -> c.postAll("completions", bodies));
        assertTrue(server.count("/v1/completions") <= 3, "the waiting requests are cancelled; sent " + server.count("/v1/completions"));
    }

    // ---- cache

    @Test void aRepeatedRequestIsAnsweredFromTheCacheAtItsKey(@TempDir Path dir) throws Exception {
        server.on("/v1/completions", (ex, req, n) -> reply(ex, 200, "{\"n\":" + n + "}"));
        OpenAiClient c = client(options(0, Optional.of(dir)), 0.5);
        assertEquals(1, c.post("completions", json("{\"prompt\":[1,2],\"model\":\"m\"}")).path("n").asInt());
        assertEquals(1, c.post("completions", json("{\"prompt\":[1,2],\"model\":\"m\"}")).path("n").asInt());
        assertEquals(1, server.count("/v1/completions"));
        assertEquals(2, c.post("completions", json("{\"prompt\":[1,3],\"model\":\"m\"}")).path("n").asInt());
        assertEquals(2, server.count("/v1/completions"));
        assertEquals(new OpenAiClient.Stats(2, 1, 0, 0), c.stats());

        String key = sha256("completions\n{\"model\":\"m\",\"prompt\":[1,2]}");
        Path entry = dir.resolve(key.substring(0, 2)).resolve(key + ".json");
        assertEquals("{\"n\":1}", Files.readString(entry));
        assertEquals(2, jsonFiles(dir).size());
    }

    @Test void theKeyIgnoresJsonKeyOrder(@TempDir Path dir) throws Exception {
        server.on("/v1/completions", (ex, req, n) -> reply(ex, 200, OK));
        OpenAiClient c = client(options(0, Optional.of(dir)), 0.5);
        c.post("completions", json("{\"a\":1,\"b\":{\"y\":[{\"q\":1,\"p\":2}],\"x\":3}}"));
        c.post("completions", json("{\"b\":{\"x\":3,\"y\":[{\"p\":2,\"q\":1}]},\"a\":1}"));
        assertEquals(1, server.count("/v1/completions"));
    }

    @Test void theApiKeyIsNeitherInTheKeyNorInAnyFile(@TempDir Path dir) throws Exception {
        server.on("/v1/completions", (ex, req, n) -> reply(ex, 200, OK));
        String secret = "sk-very-secret-123";
        OpenAiClient.Options withKey = new OpenAiClient.Options(server.base(), Optional.of(secret), Duration.ofSeconds(10), 4, 0, Optional.of(dir));
        client(withKey, 0.5).post("completions", json("{\"a\":1}"));
        assertEquals("Bearer " + secret, server.requests().get(0).authorization());
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                assertFalse(p.toString().contains(secret), p.toString());
                if (Files.isRegularFile(p)) assertFalse(Files.readString(p).contains(secret), p + " holds the key");
            }
        }
        client(options(0, Optional.of(dir)), 0.5).post("completions", json("{\"a\":1}"));   // no key: the same entry
        assertEquals(1, server.count("/v1/completions"));
    }

    @Test void aTruncatedEntryIsAMissAndIsRewritten(@TempDir Path dir) throws Exception {
        server.on("/v1/completions", (ex, req, n) -> reply(ex, 200, "{\"text\":\"a long enough answer\",\"n\":" + n + "}"));
        client(options(0, Optional.of(dir)), 0.5).post("completions", json("{\"a\":1}"));
        Path entry = jsonFiles(dir).get(0);
        byte[] b = Files.readAllBytes(entry);
        Files.write(entry, java.util.Arrays.copyOf(b, b.length / 2));
        JsonNode answer = client(options(0, Optional.of(dir)), 0.5).post("completions", json("{\"a\":1}"));
        assertEquals(2, answer.path("n").asInt());
        assertEquals(2, server.count("/v1/completions"));
        assertEquals(2, Jsonl.JSON.readTree(Files.readString(entry)).path("n").asInt(), "the entry is rewritten");
    }

    @Test void theCacheSurvivesANewClient(@TempDir Path dir) throws Exception {
        server.on("/v1/completions", (ex, req, n) -> reply(ex, 200, "{\"n\":" + n + "}"));
        client(options(0, Optional.of(dir)), 0.5).post("completions", json("{\"a\":1}"));
        OpenAiClient resumed = client(options(0, Optional.of(dir)), 0.5);
        assertEquals(1, resumed.post("completions", json("{\"a\":1}")).path("n").asInt());
        assertEquals(1, server.count("/v1/completions"));
        assertEquals(new OpenAiClient.Stats(0, 1, 0, 0), resumed.stats());
    }

    /** The server's weights change between rounds (sync): each state's answers live in their own scope. */
    @Test void eachCacheScopeHasItsOwnAnswers(@TempDir Path dir) throws Exception {
        server.on("/v1/completions", (ex, req, n) -> reply(ex, 200, "{\"n\":" + n + "}"));
        java.util.concurrent.atomic.AtomicReference<String> scope = new java.util.concurrent.atomic.AtomicReference<>("round-001/sample");
        OpenAiClient c = new OpenAiClient(options(0, Optional.of(dir)), scope::get);
        assertEquals(1, c.post("completions", json("{\"a\":1}")).path("n").asInt());
        assertEquals(1, c.post("completions", json("{\"a\":1}")).path("n").asInt());   // same scope: cached
        scope.set("round-001/eval");
        assertEquals(2, c.post("completions", json("{\"a\":1}")).path("n").asInt());   // another state of the server: asked
        scope.set("round-001/sample");
        assertEquals(1, new OpenAiClient(options(0, Optional.of(dir)), scope::get).post("completions", json("{\"a\":1}")).path("n").asInt());
        assertEquals(2, server.count("/v1/completions"));
        assertTrue(Files.isDirectory(dir.resolve("round-001/sample")) && Files.isDirectory(dir.resolve("round-001/eval")));
    }

    @Test void onlySuccessfulAnswersAreCached(@TempDir Path dir) throws Exception {
        server.on("/v1/completions", (ex, req, n) -> {
            if (n == 1) reply(ex, 400, "{\"error\":{\"message\":\"no\"}}");
            else if (n == 2) reply(ex, 503, "{}");
            else reply(ex, 200, OK);
        });
        OpenAiClient c = client(options(1, Optional.of(dir)), 0.5);
        assertThrows(OpenAiClient.HttpError.class, () -> c.post("completions", json("{\"a\":1}")));
        assertEquals(List.of(), jsonFiles(dir));
        c.post("completions", json("{\"a\":1}"));   // 503, then 200 after a retry
        c.post("completions", json("{\"a\":1}"));   // cached
        assertEquals(3, server.count("/v1/completions"));
        assertEquals(1, jsonFiles(dir).size());
    }

    @Test void aWriteThatFailsMidwayLeavesNoHalfEntry(@TempDir Path dir) throws Exception {
        ResponseCache cache = new ResponseCache(dir);
        ObjectNode body = json("{\"a\":1}");
        cache.put("completions", body, json("{\"good\":true}"));
        Path entry = jsonFiles(dir).get(0);
        ObjectNode exploding = Jsonl.JSON.createObjectNode();
        exploding.put("text", "x".repeat(100_000));   // past any buffer, so bytes reach the file before the failure
        exploding.set("boom", new POJONode(new Exploding()));
        assertThrows(UncheckedIOException.class, () -> cache.put("completions", body, exploding));
        assertEquals("{\"good\":true}", Files.readString(entry), "the old entry is intact");
        assertEquals(List.of(entry), jsonFiles(dir));
        try (Stream<Path> all = Files.walk(dir)) {
            assertEquals(List.of(), all.filter(p -> p.toString().endsWith(".tmp")).toList(), "the temporary file is removed");
        }
        ObjectNode other = json("{\"a\":2}");
        assertThrows(UncheckedIOException.class, () -> cache.put("completions", other, exploding));
        assertFalse(Files.exists(cache.file(ResponseCache.key("completions", other))), "no entry for a failed first write");
    }

    /** A value whose serialization fails, like a disk filling up mid-write. */
    static final class Exploding {
        public String getValue() { throw new IllegalStateException("disk full"); }
    }

    // ---- GET helpers

    @Test void healthIsTheOriginsHealthAndModelsListsIds() throws Exception {
        AtomicBoolean up = new AtomicBoolean(false);
        server.on("/health", (ex, req, n) -> reply(ex, up.get() ? 200 : 503, "{}"));
        server.on("/v1/models", (ex, req, n) -> reply(ex, 200, "{\"object\":\"list\",\"data\":[{\"id\":\"policy\"},{\"id\":\"ref\"}]}"));
        OpenAiClient c = client(0, 0.5);
        assertFalse(c.health());
        up.set(true);
        assertTrue(c.health());
        assertEquals(List.of("policy", "ref"), c.models());
        assertEquals(List.of("GET", "GET", "GET"), server.requests().stream().map(FakeServer.Request::method).toList());

        URI nobody = server.base();
        server.close();
        assertFalse(client(new OpenAiClient.Options(nobody, Optional.empty(), Duration.ofSeconds(2), 1, 0, Optional.empty()), 0.5).health());
    }

    @Test void badOptionsAreNamed() {
        URI u = URI.create("http://127.0.0.1:1/v1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OpenAiClient.Options(u, Optional.empty(), Duration.ofSeconds(1), 0, 0, Optional.empty()));
        assertTrue(e.getMessage().contains("max_concurrency"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new OpenAiClient.Options(u, Optional.empty(), Duration.ZERO, 1, 0, Optional.empty()));
        assertTrue(e.getMessage().contains("timeout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OpenAiClient.Options.of(URI.create("localhost:8000")));
        assertTrue(e.getMessage().contains("base_url"), e.getMessage());
    }

    private static List<Path> jsonFiles(Path dir) throws Exception {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
