package org.jpo.sampling;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible server scripted per test, on 127.0.0.1 and a free port: each path gets a handler that sees
 * the request and how many requests that path has had. It records every request and the most in flight at once.
 */
final class FakeServer implements AutoCloseable {
    /** A received request. */
    record Request(String method, String path, String body, String authorization) {}

    /** Answers one request; {@code n} counts this path's requests from 1. */
    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange ex, Request req, int n) throws Exception;
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-server");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<Request> requests = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger(), maxInFlight = new AtomicInteger();

    FakeServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", this::dispatch);
        server.setExecutor(pool);
        server.start();
    }

    FakeServer on(String path, Handler h) {
        handlers.put(path, h);
        return this;
    }

    URI origin() { return URI.create("http://127.0.0.1:" + server.getAddress().getPort()); }

    URI base() { return URI.create(origin() + "/v1"); }

    int count(String path) { return counts.getOrDefault(path, new AtomicInteger()).get(); }

    synchronized List<Request> requests() { return List.copyOf(requests); }

    int maxInFlight() { return maxInFlight.get(); }

    private static final String LANDED = "fake-server.landed";

    private void dispatch(HttpExchange ex) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        // out of flight once the answer starts (reply runs this first): the client may send its next request on
        // receiving it, before this handler's finally has run
        AtomicBoolean done = new AtomicBoolean();
        Runnable landed = () -> { if (done.compareAndSet(false, true)) inFlight.decrementAndGet(); };
        ex.setAttribute(LANDED, landed);
        try {
            String path = ex.getRequestURI().getPath();
            Request req = new Request(ex.getRequestMethod(), path, new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    ex.getRequestHeaders().getFirst("Authorization"));
            synchronized (this) {
                requests.add(req);
            }
            int n = counts.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
            Handler h = handlers.get(path);
            if (h == null) reply(ex, 404, "{\"error\":{\"message\":\"no handler for " + path + "\"}}");
            else h.handle(ex, req, n);
        } catch (Exception e) {
            ex.close();
        } finally {
            landed.run();
        }
    }

    /** Sends a JSON answer; {@code headers} are name, value pairs. */
    static void reply(HttpExchange ex, int status, String json, String... headers) throws IOException {
        for (int i = 0; i < headers.length; i += 2) ex.getResponseHeaders().add(headers[i], headers[i + 1]);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        if (ex.getAttribute(LANDED) instanceof Runnable landed) landed.run();
        // A fresh connection per request: the JDK server re-arms a kept-alive connection only every second or so.
        ex.getResponseHeaders().add("Connection", "close");
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    /** Drops the connection without an answer. */
    static void hangUp(HttpExchange ex) { ex.close(); }

    @Override public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
