package org.jpo.sampling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.io.Jsonl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

/**
 * A client of an OpenAI-compatible server (vLLM, llama.cpp, Ollama, {@code jpo serve}) on the JDK's HttpClient:
 * JSON bodies in and out, relative to a base URL that ends in {@code /v1} as OpenAI's clients expect.
 *
 * <p>Thread-safe. At most {@code maxConcurrency} requests are on the network at once, across threads. A 429, a 5xx,
 * a timeout or a connection error is retried after an exponential backoff with full jitter (a uniform wait in
 * [0, min(cap, base·2^retry)], AWS's "Exponential Backoff and Jitter", so clients that failed together do not
 * retry together), and never sooner than the server's {@code Retry-After}. Other 4xx are the caller's mistake and
 * fail at once. With a cache directory, 2xx answers to POSTs are kept on disk ({@link ResponseCache}) and a repeated
 * request is answered from there. The jitter is not seeded: it changes when requests are sent, never what they say.
 */
public final class OpenAiClient {
    /** First backoff ceiling; it doubles with each retry. */
    static final Duration BASE_DELAY = Duration.ofMillis(500);
    /** Largest backoff ceiling. */
    static final Duration MAX_DELAY = Duration.ofSeconds(30);
    /** A longer Retry-After is cut to this: a server asking for an hour is better retried than waited for. */
    static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(5);

    /**
     * @param baseUrl        e.g. {@code http://127.0.0.1:8000/v1}
     * @param apiKey         sent as {@code Authorization: Bearer KEY} when present; never cached
     * @param timeout        per request, from sending to the whole response
     * @param maxConcurrency most requests in flight at once
     * @param maxRetries     retries of one request after 429, 5xx or a connection error (0 = none)
     * @param cache          a directory of answers keyed by the full request; empty = no cache
     */
    public record Options(URI baseUrl, Optional<String> apiKey, Duration timeout, int maxConcurrency, int maxRetries, Optional<Path> cache) {
        public Options {
            Objects.requireNonNull(baseUrl, "base_url");
            String s = baseUrl.toString();
            if (s.endsWith("/")) baseUrl = URI.create(s.substring(0, s.length() - 1));
            if (baseUrl.getScheme() == null || baseUrl.getHost() == null) {
                throw new IllegalArgumentException("base_url must be like http://host:port/v1, got " + s);
            }
            if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be > 0, got " + timeout);
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

    /**
     * Counters since the client was made.
     *
     * @param requests  requests sent over the network (each retry counts)
     * @param cacheHits requests answered from the cache
     * @param retries   waits before another attempt
     * @param failures  calls that ended in an exception
     */
    public record Stats(long requests, long cacheHits, long retries, long failures) {}

    /** Waits between attempts; tests pass one that records the waits instead of waiting. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    /** One HTTP exchange's outcome. */
    record Answer(int status, String body, Optional<String> retryAfter) {
        boolean ok() { return status / 100 == 2; }
    }

    private final Options options;
    private final HttpClient http;
    private final Semaphore inFlight;
    private final Sleeper sleeper;
    private final DoubleSupplier jitter;
    private final Optional<ResponseCache> cache;
    private final AtomicLong requests = new AtomicLong(), cacheHits = new AtomicLong(), retries = new AtomicLong(), failures = new AtomicLong();

    public OpenAiClient(Options options) { this(options, () -> ""); }

    /** @param cacheScope the cache's subdirectory for the server's present state ({@link ResponseCache}), read at each request */
    public OpenAiClient(Options options, java.util.function.Supplier<String> cacheScope) {
        this(options, d -> Thread.sleep(d.toMillis()), () -> ThreadLocalRandom.current().nextDouble(), cacheScope);
    }

    /** @param jitter uniform draws in [0, 1) scaling each backoff ceiling */
    OpenAiClient(Options options, Sleeper sleeper, DoubleSupplier jitter) { this(options, sleeper, jitter, () -> ""); }

    private OpenAiClient(Options options, Sleeper sleeper, DoubleSupplier jitter, java.util.function.Supplier<String> cacheScope) {
        this.options = options;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)   // no h2c upgrade: uvicorn and llama.cpp speak 1.1
                .connectTimeout(min(options.timeout(), CONNECT_TIMEOUT)).build();
        this.inFlight = new Semaphore(options.maxConcurrency(), true);
        this.sleeper = sleeper;
        this.jitter = jitter;
        this.cache = options.cache().map(d -> new ResponseCache(d, cacheScope));
    }

    public Options options() { return options; }

    public Stats stats() { return new Stats(requests.get(), cacheHits.get(), retries.get(), failures.get()); }

    /** scheme://host:port of the base URL: where {@code /health} lives (vLLM and jpo serve serve it at the root). */
    public URI origin() {
        URI b = options.baseUrl();
        return URI.create(b.getScheme() + "://" + b.getRawAuthority());
    }

    /** POSTs {@code body} to {@code path} (relative to the base URL, e.g. {@code completions}); blocks until the JSON answer. */
    public JsonNode post(String path, JsonNode body) {
        String p = relative(path);
        if (cache.isPresent()) {
            Optional<JsonNode> hit = cache.get().get(p, body);
            if (hit.isPresent()) {
                cacheHits.incrementAndGet();
                return hit.get();
            }
        }
        JsonNode answer = call("POST", resolve(p), Optional.of(body));
        cache.ifPresent(c -> c.put(p, body, answer));
        return answer;
    }

    /**
     * Every body POSTed to {@code path} concurrently (at most maxConcurrency at once); the answers in the bodies'
     * order. On a failure the requests not yet sent are cancelled, those in flight are let finish (so their answers
     * are cached and a rerun resumes without paying for them again), and then the first failure is rethrown.
     */
    public List<JsonNode> postAll(String path, List<? extends JsonNode> bodies) {
        if (bodies.isEmpty()) return List.of();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(bodies.size(), options.maxConcurrency()), daemonThreads());
        try {
            CompletionService<JsonNode> done = new ExecutorCompletionService<>(pool);
            List<Future<JsonNode>> futures = new ArrayList<>();
            // the first failure stops the rest at once on the workers, not only when this thread wakes to cancel them
            AtomicBoolean failed = new AtomicBoolean();
            for (JsonNode b : bodies) futures.add(done.submit(() -> {
                if (failed.get()) throw new Skipped();
                try {
                    return post(path, b);
                } catch (RuntimeException e) {
                    failed.set(true);
                    throw e;
                }
            }));
            RuntimeException first = awaitAll(done, futures);
            pool.shutdown();
            while (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                // requests in flight end within their timeouts and retries
            }
            if (first != null) throw first;
            List<JsonNode> answers = new ArrayList<>(futures.size());
            for (Future<JsonNode> f : futures) answers.add(f.get());
            return answers;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + resolve(relative(path)), e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("unreachable: every future completed", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** A request not sent because another of its batch had failed. */
    private static final class Skipped extends RuntimeException {
        Skipped() { super(null, null, false, false); }
    }

    /**
     * Takes every future as it completes; at the first failure, which it returns (null if none), cancels the rest
     * without interrupting: a running request goes on to its answer and its cache entry, a waiting one never starts.
     */
    private static RuntimeException awaitAll(CompletionService<JsonNode> done, List<Future<JsonNode>> futures) throws InterruptedException {
        RuntimeException first = null;
        for (int i = 0; i < futures.size(); i++) {
            Future<JsonNode> f = done.take();
            if (f.isCancelled()) continue;
            try {
                f.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Skipped) continue;
                if (first == null) {
                    first = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                    futures.forEach(g -> g.cancel(false));
                }
            }
        }
        return first;
    }

    /** GETs {@code path} relative to the base URL (e.g. {@code models}), with retries, never cached. */
    public JsonNode get(String path) { return call("GET", resolve(relative(path)), Optional.empty()); }

    /** The ids of the models the server serves ({@code GET /v1/models}). */
    public List<String> models() {
        List<String> ids = new ArrayList<>();
        for (JsonNode m : get("models").path("data")) ids.add(m.path("id").asText());
        return ids;
    }

    /** true if {@code GET {origin}/health} answers 2xx within 5 s; false on any other answer or no answer. One attempt. */
    public boolean health() { return health(min(options.timeout(), HEALTH_TIMEOUT)); }

    boolean health(Duration timeout) {
        try {
            return send("GET", origin().resolve("/health"), Optional.empty(), timeout).ok();
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One request with retries; the parsed 2xx answer, or an exception naming the URL, the status or cause, and the attempts. */
    private JsonNode call(String method, URI uri, Optional<JsonNode> body) {
        int attempts = options.maxRetries() + 1;
        try {
            for (int attempt = 1; ; attempt++) {
                Duration wait;
                try {
                    Answer a = sendBounded(method, uri, body);
                    if (a.ok()) return parse(uri, a);
                    if (!retryable(a.status())) throw new HttpError(uri.toString(), a.status(), errorMessage(a.body()));
                    if (attempt == attempts) {
                        throw new HttpError(uri.toString(), a.status(), errorMessage(a.body()) + " (gave up after " + attempts + " attempts)");
                    }
                    wait = delay(attempt - 1, jitter.getAsDouble(), a.retryAfter().flatMap(h -> retryAfter(h, Instant.now())));
                } catch (IOException e) {   // includes HttpTimeoutException and ConnectException
                    if (attempt == attempts) {
                        throw new UncheckedIOException(method + " " + uri + ": no answer after " + attempts + " attempts (last: " + e + ")", e);
                    }
                    wait = delay(attempt - 1, jitter.getAsDouble(), Optional.empty());
                }
                retries.incrementAndGet();
                sleeper.sleep(wait);
            }
        } catch (InterruptedException e) {
            failures.incrementAndGet();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + uri, e);
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            throw e;
        }
    }

    private Answer sendBounded(String method, URI uri, Optional<JsonNode> body) throws IOException, InterruptedException {
        inFlight.acquire();
        try {
            return send(method, uri, body, options.timeout());
        } finally {
            inFlight.release();
        }
    }

    /** One exchange, no retries, no cache, outside the concurrency bound (health probes and checkpoint loads). */
    Answer send(String method, URI uri, Optional<JsonNode> body, Duration timeout) throws IOException, InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json");
        if (body.isPresent()) {
            req.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(Jsonl.JSON.writeValueAsString(body.get())));
        } else {
            req.GET();
        }
        options.apiKey().ifPresent(k -> req.header("Authorization", "Bearer " + k));
        requests.incrementAndGet();
        HttpResponse<String> res = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(res.statusCode(), res.body(), res.headers().firstValue("Retry-After"));
    }

    static boolean retryable(int status) { return status == 429 || status / 100 == 5; }

    /**
     * The wait before retry {@code retry} (0-based): {@code u · min(MAX_DELAY, BASE_DELAY · 2^retry)}, but at least
     * the server's Retry-After (itself capped at {@link #MAX_RETRY_AFTER}).
     */
    static Duration delay(int retry, double u, Optional<Duration> retryAfter) {
        double ceiling = Math.min(MAX_DELAY.toMillis(), BASE_DELAY.toMillis() * Math.pow(2, Math.min(retry, 30)));
        Duration backoff = Duration.ofMillis((long) (u * ceiling));
        return retryAfter.map(r -> min(r, MAX_RETRY_AFTER)).filter(r -> r.compareTo(backoff) > 0).orElse(backoff);
    }

    /** A Retry-After header (RFC 9110 §10.2.3): delay seconds, or an HTTP date; empty if it is neither. */
    static Optional<Duration> retryAfter(String header, Instant now) {
        String h = header.strip();
        try {
            double s = Double.parseDouble(h);
            return s >= 0 && s < 1e9 ? Optional.of(Duration.ofMillis((long) Math.ceil(s * 1000))) : Optional.empty();
        } catch (NumberFormatException notSeconds) {
            try {
                Duration d = Duration.between(now, ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException notDate) {
                return Optional.empty();
            }
        }
    }

    private static JsonNode parse(URI uri, Answer a) {
        try {
            JsonNode o = Jsonl.JSON.readTree(a.body());
            if (o != null && o.isObject()) return o;
            throw new HttpError(uri.toString(), a.status(), "the answer is not a JSON object: " + errorMessage(a.body()));
        } catch (JsonProcessingException e) {
            throw new HttpError(uri.toString(), a.status(), "the answer is not JSON: " + e.getOriginalMessage());
        }
    }

    /** OpenAI's {@code {"error": {"message": ...}}} (or vLLM's older {@code {"message": ...}}), else the body itself. */
    static String errorMessage(String body) {
        try {
            JsonNode n = Jsonl.JSON.readTree(body);
            if (n != null) {
                if (n.path("error").path("message").isTextual()) return n.path("error").path("message").asText();
                if (n.path("error").isTextual()) return n.path("error").asText();
                if (n.path("message").isTextual()) return n.path("message").asText();
            }
        } catch (IOException ignored) {
            // not JSON: the body is the message
        }
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }

    private URI resolve(String relativePath) { return URI.create(options.baseUrl() + "/" + relativePath); }

    private static String relative(String path) { return path.startsWith("/") ? path.substring(1) : path; }

    private static Duration min(Duration a, Duration b) { return a.compareTo(b) <= 0 ? a : b; }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "jpo-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
