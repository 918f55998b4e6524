package org.jpo.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.jpo.Seeds;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * {@code jpo serve}: OpenAI's completions and chat completions API on the JDK's HttpServer, for one checkpoint
 * that {@code POST /v1/load} can switch. Each request runs on a thread of a fixed pool; its rows go to the one
 * decode thread ({@link Engine}) and its tokens come back through its own queue, so every handler writes its
 * own stream at its own pace.
 *
 * <p>Seeds: sample j of a request with {@code seed: S} uses the stream {@link Seeds#sampleOf}(S, j), so a
 * request for prompt i with {@code seed: Seeds.promptSeed(runSeed, round, i)} gets exactly the samples
 * {@link LocalSampler} draws for prompt i of a run with that seed.
 */
public final class Server implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Server.class);
    private static final int MAX_BODY = 64 << 20;

    /**
     * @param model           HF model directory or llama2.c .bin
     * @param tokenizer       tokenizer file (default: the model directory's)
     * @param host            address to bind (127.0.0.1 unless told otherwise)
     * @param port            0 = any free port ({@link #port()} says which)
     * @param apiKey          when present, every request must send {@code Authorization: Bearer KEY}
     * @param servedModelName the name clients put in {@code model} and {@code /v1/models} lists
     * @param chatTemplate    a Jinja file overriding the model's chat template
     * @param maxBatch        most rows (prompt × sample) decoded together
     * @param maxN            largest {@code n} a request may ask for
     */
    public record Options(Path model, Optional<Path> tokenizer, String host, int port, Optional<String> apiKey,
                          String servedModelName, Optional<Path> chatTemplate, int maxBatch, int maxN) {
        public Options {
            if (port < 0 || port > 65535) throw new UserError("--port must be in [0, 65535], got " + port);
            if (maxBatch < 1) throw new UserError("--max-num-seqs must be >= 1, got " + maxBatch);
            if (maxN < 1) throw new UserError("--max-n must be >= 1, got " + maxN);
            if (apiKey.isPresent() && apiKey.get().isEmpty()) apiKey = Optional.empty();
        }

        /** Loopback, any free port, no key, the model path as its name, batches of 64, n up to 64. */
        public static Options of(Path model, Optional<Path> tokenizer) {
            return new Options(model, tokenizer, "127.0.0.1", 0, Optional.empty(), model.toString(), Optional.empty(), 64, 64);
        }
    }

    private final Options options;
    private final Metrics metrics;
    private final Engine engine;
    private final HttpServer http;
    private final ExecutorService handlers;
    /** Requests hold it shared while they use the checkpoint's tokenizer; a load holds it alone to swap. */
    private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock(true);

    private Server(Options options, Engine engine, HttpServer http, ExecutorService handlers, Metrics metrics) {
        this.options = options;
        this.metrics = metrics;
        this.engine = engine;
        this.http = http;
        this.handlers = handlers;
    }

    /** Loads the checkpoint, binds, and starts serving. */
    public static Server start(Options options) {
        Served served = Served.load(options.model(), options.tokenizer(), Optional.empty(), options.chatTemplate());
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
        } catch (IOException e) {
            served.close();
            throw new UserError("cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
        }
        int threads = 2 * options.maxBatch() + 8;   // enough for every row of a full batch to have its client waiting
        ExecutorService pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        Metrics metrics = new Metrics();
        Server server = new Server(options, new Engine(served, options.maxBatch(), metrics), http, pool, metrics);
        http.createContext("/", server::handle);
        http.setExecutor(pool);
        http.start();
        return server;
    }

    /** The bound port (the one chosen when {@link Options#port} was 0). */
    public int port() { return http.getAddress().getPort(); }

    /** {@code http://host:port/v1}, what OpenAI clients take as their base URL. */
    public URI baseUrl() { return URI.create("http://" + hostForUrl() + ":" + port() + "/v1"); }

    private String hostForUrl() {
        String h = options.host();
        return h.contains(":") ? "[" + h + "]" : h;
    }

    /** Stops accepting, ends the decode thread, and frees the model. */
    @Override public void close() {
        http.stop(0);
        handlers.shutdownNow();   // waiting handlers are interrupted; they must be gone before the tokenizer is freed
        try {
            handlers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        engine.close();
    }

    // ---- requests

    private void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        String path = ex.getRequestURI().getPath();
        metrics.request(Metrics.endpoint(path));
        int status;
        try {
            authorize(ex);
            status = route(ex, path);
        } catch (ApiError e) {
            status = error(ex, e);
        } catch (UserError e) {
            status = error(ex, ApiError.invalid(null, e.getMessage()));
        } catch (UncheckedIOException e) {
            // the client went away mid-answer (killed, timed out): nothing to answer, and not the server's error
            log.debug("{} {}: the client closed the connection ({})", ex.getRequestMethod(), path, e.getCause().getMessage());
            status = 499;
        } catch (RuntimeException e) {
            log.warn("{} {} failed", ex.getRequestMethod(), path, e);
            status = error(ex, ApiError.internal(e.toString()));
        } finally {
            ex.close();
        }
        log.debug("{} {} {} {} ms", ex.getRequestMethod(), path, status, (System.nanoTime() - t0) / 1_000_000);
    }

    private int route(HttpExchange ex, String path) {
        return switch (path) {
            case "/v1/completions" -> post(ex, path, () -> generate(ex, false));
            case "/v1/chat/completions" -> post(ex, path, () -> generate(ex, true));
            case "/v1/load" -> post(ex, path, () -> load(ex));
            case "/v1/models" -> get(ex, path, () -> send(ex, 200, models()));
            case "/health" -> get(ex, path, () -> send(ex, 200, "text/plain", "ok\n"));
            case "/metrics" -> get(ex, path, () -> send(ex, 200, "text/plain; version=0.0.4", metrics.text(engine.pending())));
            default -> throw ApiError.notFound(null, "not_found", "no such endpoint: " + ex.getRequestMethod() + " " + path);
        };
    }

    private interface Answer { int run() throws IOException; }

    private static int post(HttpExchange ex, String path, Answer a) { return method(ex, path, "POST", a); }

    private static int get(HttpExchange ex, String path, Answer a) { return method(ex, path, "GET", a); }

    private static int method(HttpExchange ex, String path, String allowed, Answer a) {
        if (!ex.getRequestMethod().equals(allowed)) {
            ex.getResponseHeaders().set("Allow", allowed);
            throw ApiError.methodNotAllowed(ex.getRequestMethod(), path, allowed);
        }
        try {
            return a.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void authorize(HttpExchange ex) {
        if (options.apiKey().isEmpty()) return;
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Bearer ")) {
            throw ApiError.unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY'.");
        }
        byte[] given = header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, options.apiKey().get().getBytes(StandardCharsets.UTF_8))) {
            throw ApiError.unauthorized("Incorrect API key provided.");
        }
    }

    private ObjectNode models() {
        ObjectNode o = Jsonl.JSON.createObjectNode().put("object", "list");
        o.putArray("data").addObject().put("id", options.servedModelName()).put("object", "model").put("created", 0)
                .put("owned_by", "jpo").put("root", engine.served().path().toString());
        return o;
    }

    // ---- generation

    private int generate(HttpExchange ex, boolean chat) throws IOException {
        JsonNode body = json(ex);
        swap.readLock().lock();
        try {
            Served served = engine.served();
            GenerationRequest r = GenerationRequest.parse(body, chat, served, options.servedModelName(), options.maxN());
            Generation g = new Generation(r, served.tokenizer());
            engine.submit(g.jobs());
            return r.stream() ? stream(ex, r, g) : complete(ex, r, g);
        } finally {
            swap.readLock().unlock();
        }
    }

    private int complete(HttpExchange ex, GenerationRequest r, Generation g) throws IOException {
        while (!g.finished()) g.next();
        return send(ex, 200, Responses.complete(r, g.id, g.created, options.servedModelName(), g.slots));
    }

    /** Server-sent events: one chunk per accepted token, a finishing chunk per choice, then {@code data: [DONE]}. */
    private int stream(HttpExchange ex, GenerationRequest r, Generation g) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        String model = options.servedModelName();
        try (OutputStream out = ex.getResponseBody()) {
            if (r.chat()) for (Slot s : g.slots) event(out, Responses.role(g.id, g.created, model, s).toString());
            while (!g.finished()) {
                Slot.Event e = g.next();
                Slot s = e.slot();
                if (e instanceof Slot.Token && g.accepted) {
                    event(out, Responses.chunk(r, g.id, g.created, model, s, s.unsent(), s.size() - 1, s.size(), false).toString());
                } else if (e instanceof Slot.Done) {
                    event(out, Responses.chunk(r, g.id, g.created, model, s, s.unsent(), s.size(), s.size(), true).toString());
                }
            }
            if (r.includeUsage()) event(out, Responses.usageChunk(r, g.id, g.created, model, g.slots).toString());
            event(out, "[DONE]");
        } catch (IOException e) {
            g.abandon();   // the client left: its rows are dropped, the decode thread goes on
            log.debug("client of {} left: {}", g.id, e.toString());
        }
        return 200;
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One request's slots (prompt-major, as OpenAI numbers choices) and the queue their events arrive in. */
    private static final class Generation {
        final String id = "cmpl-" + UUID.randomUUID().toString().replace("-", "");
        final long created = System.currentTimeMillis() / 1000;
        final GenerationRequest request;
        final List<Slot> slots = new ArrayList<>();
        final LinkedBlockingQueue<Slot.Event> events = new LinkedBlockingQueue<>();
        boolean accepted;   // whether the last token event was taken (not past a stop string)

        Generation(GenerationRequest r, org.jpo.tokenizer.Tokenizer tok) {
            this.request = r;
            for (int[] p : r.prompts()) {
                for (int j = 0; j < r.n(); j++) slots.add(new Slot(slots.size(), p, tok, r.stop(), r.stream(), events));
            }
        }

        List<Engine.Job> jobs() {
            List<Engine.Job> jobs = new ArrayList<>();
            for (Slot s : slots) {
                int j = s.index % request.n();
                var row = new LocalSampler.Row(new Prompt(s.index / request.n(), s.prompt), j, Seeds.sampleOf(request.seed(), j),
                        request.maxTokens(), s);
                jobs.add(new Engine.Job(row, request.choice(), s));
            }
            return jobs;
        }

        boolean finished() { return slots.stream().allMatch(Slot::finished); }

        /** Waits for the next event and applies it to its slot. */
        Slot.Event next() {
            Slot.Event e;
            try {
                e = events.take();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                abandon();
                throw ApiError.internal("interrupted (the server is stopping)");
            }
            if (e instanceof Slot.Token t) accepted = t.slot().accept(t.id(), t.logp());
            else if (e instanceof Slot.Done d) d.slot().finish(d.completion());
            else if (e instanceof Slot.Failed f) {
                abandon();
                throw f.error() instanceof ApiError a ? a : ApiError.internal("generation failed: " + f.error());
            }
            return e;
        }

        void abandon() { slots.forEach(Slot::abandon); }
    }

    // ---- load

    /** {@code {"model": PATH, "tokenizer"?: PATH}}: load it, then swap it in between batches. */
    private int load(HttpExchange ex) throws IOException {
        JsonNode body = json(ex);
        if (!body.path("model").isTextual()) throw ApiError.invalid("model", "model must be the path of a checkpoint");
        Optional<Path> tokenizer = Optional.empty();
        if (body.hasNonNull("tokenizer")) {
            if (!body.get("tokenizer").isTextual()) throw ApiError.invalid("tokenizer", "tokenizer must be a path");
            tokenizer = Optional.of(Path.of(body.get("tokenizer").textValue()));
        }
        Path path = Path.of(body.get("model").textValue());
        Served next;
        synchronized (this) {   // one load at a time; requests go on while it reads the files
            try {
                next = Served.load(path, tokenizer, Optional.of(engine.served().tokenizerSource()), options.chatTemplate());
            } catch (UserError | UncheckedIOException e) {
                metrics.loadFailures.increment();
                throw ApiError.invalid("model", "cannot load " + path + ": " + e.getMessage() + " (still serving "
                        + engine.served().path() + ")");
            }
            swap.writeLock().lock();
            try {
                engine.replace(next);
            } finally {
                swap.writeLock().unlock();
            }
        }
        metrics.loads.increment();
        log.info("now serving {} (checksum {})", path, next.checksum());
        ObjectNode o = Jsonl.JSON.createObjectNode().put("model", path.toString()).put("checksum", next.checksum())
                .put("served_model_name", options.servedModelName());
        return send(ex, 200, o);
    }

    // ---- bodies

    private static JsonNode json(HttpExchange ex) throws IOException {
        byte[] bytes = ex.getRequestBody().readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) throw ApiError.invalid(null, "the request body is over " + (MAX_BODY >> 20) + " MB");
        try {
            JsonNode n = Jsonl.JSON.readTree(bytes);
            if (n == null || !n.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object");
            return n;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw ApiError.invalid(null, "invalid JSON: " + e.getOriginalMessage());
        }
    }

    private int error(HttpExchange ex, ApiError e) {
        metrics.error(e.status);
        log.warn("{} {}: {} {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e.status, e.getMessage());
        try {
            return send(ex, e.status, e.body());
        } catch (IOException | RuntimeException io) {
            return e.status;   // headers already sent (a failed stream) or the client left
        }
    }

    private static int send(HttpExchange ex, int status, ObjectNode body) throws IOException {
        return send(ex, status, "application/json", body.toString());
    }

    private static int send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
        return status;
    }
}
