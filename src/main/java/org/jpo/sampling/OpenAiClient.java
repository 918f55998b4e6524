package org.jpo.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A client of an OpenAI-compatible server (vLLM, llama.cpp, Ollama, {@code jpo serve}) on the JDK's HttpClient:
 * JSON bodies in and out, relative to a base URL that ends in {@code /v1} as OpenAI's clients expect.
 */
public final class OpenAiClient {
    /**
     * @param baseUrl        e.g. {@code http://127.0.0.1:8000/v1}
     * @param apiKey         sent as {@code Authorization: Bearer KEY} when present
     * @param timeout        per request, from sending to the whole response
     * @param maxConcurrency most requests in flight at once
     * @param maxRetries     retries of one request after 429, 5xx or a connection error (0 = none)
     * @param cache          a directory of answers keyed by the full request; empty = no cache
     */
    public record Options(URI baseUrl, Optional<String> apiKey, Duration timeout, int maxConcurrency, int maxRetries, Optional<Path> cache) {
        public Options {
            String s = baseUrl.toString();
            if (s.endsWith("/")) baseUrl = URI.create(s.substring(0, s.length() - 1));
            if (maxConcurrency < 1) throw new IllegalArgumentException("max_concurrency must be >= 1, got " + maxConcurrency);
            if (maxRetries < 0) throw new IllegalArgumentException("max_retries must be >= 0, got " + maxRetries);
        }

        /** 60 s timeout, 16 in flight, 5 retries, no cache, no key. */
        public static Options of(URI baseUrl) { return new Options(baseUrl, Optional.empty(), Duration.ofSeconds(60), 16, 5, Optional.empty()); }
    }

    /** A response with a non-2xx status, with the server's error message (OpenAI's {@code error.message} when present). */
    public static final class HttpError extends RuntimeException {
        public final int status;

        public HttpError(String url, int status, String message) {
            super(url + " answered " + status + ": " + message);
            this.status = status;
        }
    }

    private final Options options;
    private final HttpClient http;

    public OpenAiClient(Options options) {
        this.options = options;
        this.http = HttpClient.newBuilder().connectTimeout(options.timeout()).build();
    }

    public Options options() { return options; }

    /** POSTs {@code body} to {@code path} (relative to the base URL, e.g. {@code completions}) and returns the JSON answer. */
    public ObjectNode post(String path, ObjectNode body) {
        URI uri = URI.create(options.baseUrl() + "/" + path);
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(options.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        options.apiKey().ifPresent(k -> req.header("Authorization", "Bearer " + k));
        HttpResponse<String> res;
        try {
            res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot reach " + uri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + uri, e);
        }
        if (res.statusCode() / 100 != 2) throw new HttpError(uri.toString(), res.statusCode(), errorMessage(res.body()));
        try {
            JsonNode n = Jsonl.JSON.readTree(res.body());
            if (!(n instanceof ObjectNode o)) throw new HttpError(uri.toString(), res.statusCode(), "the answer is not a JSON object");
            return o;
        } catch (IOException e) {
            throw new HttpError(uri.toString(), res.statusCode(), "the answer is not JSON: " + e.getMessage());
        }
    }

    /** OpenAI's {@code {"error": {"message": ...}}}, or the body itself. */
    static String errorMessage(String body) {
        try {
            JsonNode n = Jsonl.JSON.readTree(body);
            JsonNode m = n == null ? null : n.path("error").path("message");
            if (m != null && m.isTextual()) return m.asText();
        } catch (IOException ignored) {
            // not JSON: the body is the message
        }
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }
}
