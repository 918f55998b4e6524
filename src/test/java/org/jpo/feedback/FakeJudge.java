package org.jpo.feedback;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.jpo.io.Jsonl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An OpenAI-compatible judge server for tests (JDK HttpServer on 127.0.0.1, a free port): it answers
 * {@code chat/completions} and {@code completions} with what its script says for the judge prompt it was sent, and
 * records every request. Public for the loop's tests of the pairwise updates (org.jpo.loop.NashLoopTest).
 */
public final class FakeJudge implements AutoCloseable {
    /** One request as received: the path after /v1/, the body as sent, the judge prompt in it, and its Authorization header (null if none). */
    record Request(String path, String body, String prompt, String authorization) {}

    /** An answer: the judge's text, or an error status with OpenAI's {"error": {"message": ...}}. */
    public record Answer(int status, String text) {
        public static Answer of(String text) { return new Answer(200, text); }

        static Answer error(int status, String message) { return new Answer(status, message); }
    }

    /** What to answer to {@code prompt}; {@code seen} is how many earlier requests had the same prompt. */
    public interface Script {
        Answer answer(String prompt, int seen);
    }

    private final HttpServer server;
    private final Script script;
    private final List<Request> requests = new ArrayList<>();
    private final Map<String, Integer> seen = new HashMap<>();

    public FakeJudge(Script script) {
        this.script = script;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        server.createContext("/v1/", exchange -> {
            String path = exchange.getRequestURI().getPath().substring("/v1/".length());
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            ObjectNode json = (ObjectNode) Jsonl.JSON.readTree(body);
            boolean chat = path.equals("chat/completions");
            String prompt = chat ? json.path("messages").path(0).path("content").asText() : json.path("prompt").asText();
            int before;
            synchronized (this) {
                requests.add(new Request(path, body, prompt, exchange.getRequestHeaders().getFirst("Authorization")));
                before = seen.merge(prompt, 1, Integer::sum) - 1;
            }
            Answer a = script.answer(prompt, before);
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            if (a.status() != 200) {
                out.putObject("error").put("message", a.text()).put("type", "invalid_request_error");
            } else {
                ObjectNode choice = out.put("object", chat ? "chat.completion" : "text_completion").putArray("choices").addObject().put("index", 0);
                if (chat) choice.putObject("message").put("role", "assistant").put("content", a.text());
                else choice.put("text", a.text());
                choice.put("finish_reason", "stop");
            }
            byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(a.status(), bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    /** The base URL, ending in /v1. */
    public String url() { return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1"; }

    synchronized List<Request> requests() { return List.copyOf(requests); }

    public synchronized int count() { return requests.size(); }

    /** The text between {@code start} and {@code end} in {@code s} (the response a template placed there). */
    public static String between(String s, String start, String end) {
        int i = s.indexOf(start);
        if (i < 0) return "";
        int j = s.indexOf(end, i + start.length());
        return s.substring(i + start.length(), j < 0 ? s.length() : j);
    }

    @Override public void close() { server.stop(0); ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow(); }
}
