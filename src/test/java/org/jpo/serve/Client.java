package org.jpo.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** A bare HTTP client of the server for tests: JSON in, status and JSON out, and server-sent events. */
final class Client {
    record Answer(int status, String body) {
        JsonNode json() {
            try {
                return Jsonl.JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    private final String root;
    private final Optional<String> key;

    Client(Server server, Optional<String> key) {
        this.root = "http://127.0.0.1:" + server.port();
        this.key = key;
    }

    Client(Server server) { this(server, Optional.empty()); }

    Answer post(String path, String body) { return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body))); }

    Answer post(String path, JsonNode body) { return post(path, body.toString()); }

    Answer get(String path) { return send(request(path).GET()); }

    Answer send(String method, String path) { return send(request(path).method(method, HttpRequest.BodyPublishers.noBody())); }

    /** POSTs a streaming request and returns the {@code data:} payloads, {@code [DONE]} included. */
    List<String> events(String path, JsonNode body) {
        HttpRequest req = request(path).POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        try {
            HttpResponse<java.util.stream.Stream<String>> res = http.send(req, HttpResponse.BodyHandlers.ofLines());
            assertEquals(200, res.statusCode());
            assertTrue(res.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            List<String> lines = res.body().collect(Collectors.toList());
            List<String> data = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                if (l.isEmpty()) continue;
                assertTrue(l.startsWith("data: "), "not an SSE data line: " + l);
                assertEquals("", i + 1 < lines.size() ? lines.get(i + 1) : "", "an event must end with a blank line");
                data.add(l.substring("data: ".length()));
            }
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json");
        key.ifPresent(k -> b.header("Authorization", "Bearer " + k));
        return b;
    }

    private Answer send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> res = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(res.statusCode(), res.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static ObjectNode object() { return Jsonl.JSON.createObjectNode(); }

    /** The value of a counter line in /metrics ({@code name} with its labels, e.g. {@code jpo_batches_total}). */
    long metric(String name) {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) return Long.parseLong(line.substring(name.length() + 1).trim());
        }
        return 0;
    }
}
