package org.jpo.feedback;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.config.ApiKeys;
import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.sampling.OpenAiClient;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;
import java.util.stream.IntStream;

/**
 * An LLM judge on an OpenAI-compatible server: questions in, verdicts out, each question asked again with another
 * seed while its answer cannot be parsed. Shared by {@link JudgeScorer} and {@link PairwiseJudgeScorer}.
 */
final class JudgeClient {
    // The keys both judge types share, documented once.
    static final String URL = "The judge server's OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 (vLLM, llama.cpp, "
            + "Ollama); the policy's own jpo serve makes the policy its own judge (Self-Rewarding LMs, arXiv:2401.10020).";
    static final String MODEL = "The judge model's name as the server knows it, sent as 'model'.";
    static final String API_KEY_ENV = "The environment variable holding the judge server's API key, sent as 'Authorization: Bearer "
            + "KEY' (unset = no key); the key itself is never written to a file.";
    static final String API = "chat: the judge prompt as one user message (chat/completions); completions: the prompt as it is, for "
            + "a model without a chat template, e.g. the policy judging itself on jpo serve.";
    static final String RETRIES = "Extra requests, each with another seed, for a judgment whose answer has no verdict; still none = "
            + "that judgment is dropped, never read as a low score.";
    static final String MAX_TOKENS = "The longest judge answer, in tokens; an answer cut off before its verdict is unparseable.";
    static final String TIMEOUT = "Seconds one request may take, from sending to the whole answer.";
    static final String CONCURRENCY = "Most requests in flight at once; all of a prompt's requests are sent together up to this.";

    /** The client's own retries of 429s, 5xx and lost connections (OpenAiClient.Options.of's); then the run fails. */
    private static final int TRANSPORT_RETRIES = 5;

    /** The server settings both judge configs share; their meanings are the docs above. */
    record Settings(String url, String model, String apiKeyEnv, JudgeApi api, int retries, double temperature, int maxTokens,
                    int timeoutSeconds, int maxConcurrency) {
        Settings {
            checkUrl(url);
            if (model == null || model.isBlank()) throw new ConfigError("model", "model must name the judge model, got \"" + model + "\"");
            ApiKeys.checkEnvName("api_key_env", apiKeyEnv);
            if (api == null) throw new ConfigError("api", "api must be chat or completions");
            Check.atLeast("retries", retries, 0);
            Check.within("temperature", temperature, 0, 2, false);   // OpenAI's range
            Check.atLeast("max_tokens", maxTokens, 1);
            Check.atLeast("timeout_seconds", timeoutSeconds, 1);
            Check.atLeast("max_concurrency", maxConcurrency, 1);
        }

        private static void checkUrl(String url) {
            URI u;
            try {
                u = new URI(url == null ? "" : url);
            } catch (URISyntaxException e) {
                throw new ConfigError("url", "url is not a URL: " + url);
            }
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw new ConfigError("url", "url must be an http(s) base URL such as http://127.0.0.1:8000/v1, got " + url);
            }
            String path = u.getPath() == null ? "" : u.getPath().replaceAll("/+$", "");
            if (path.endsWith("/completions")) {   // a common slip: the judge appends the endpoint itself
                throw new ConfigError("url", "url is an endpoint; give the base URL (up to /v1), got " + url);
            }
        }
    }

    /** One thing to ask: the rendered judge prompt, and each attempt's request seed (attempt 0 first, then retries). */
    record Question(String prompt, LongUnaryOperator seed) {}

    /**
     * What asking one question came to, exactly one of: its verdict; the first answer that had none (after every
     * retry had none either); or the server's message when it rejected the request.
     *
     * @param requests requests made for it, retries included
     */
    record Outcome<T>(T verdict, String unparsed, String rejection, int requests) {
        Outcome {
            if ((verdict != null ? 1 : 0) + (unparsed != null ? 1 : 0) + (rejection != null ? 1 : 0) != 1) {
                throw new IllegalArgumentException("an outcome is one of a verdict, an unparsed answer or a rejection");
            }
        }
    }

    /** One answer: its text, or (text null) the message of the 4xx that rejected the request. */
    private record Reply(String text, String rejection) {}

    private final Settings settings;
    private final OpenAiClient client;

    JudgeClient(Settings settings, ScorerContext context) {
        this.settings = settings;
        this.client = new OpenAiClient(new OpenAiClient.Options(URI.create(settings.url()), ApiKeys.fromEnv(settings.apiKeyEnv()), Duration.ofSeconds(settings.timeoutSeconds()),
                settings.maxConcurrency(), TRANSPORT_RETRIES, context.requestCache()), context.cacheScope());
    }

    /**
     * Each question's outcome, in order. Every round's requests go out together (at most max_concurrency in flight);
     * the unparsed ones are asked again, with their next seed, up to {@code retries} times.
     */
    <T> List<Outcome<T>> ask(List<Question> questions, Function<String, Optional<T>> parse) {
        int n = questions.size();
        List<T> verdicts = new ArrayList<>(java.util.Collections.nCopies(n, null));
        String[] unparsed = new String[n], rejected = new String[n];
        int[] requests = new int[n];
        List<Integer> pending = IntStream.range(0, n).boxed().toList();
        for (int attempt = 0; attempt <= settings.retries() && !pending.isEmpty(); attempt++) {
            int a = attempt;
            List<Reply> replies = send(pending.stream().map(q -> body(questions.get(q), a)).toList());
            List<Integer> again = new ArrayList<>();
            for (int r = 0; r < pending.size(); r++) {
                int q = pending.get(r);
                requests[q]++;
                Reply reply = replies.get(r);
                if (reply.rejection() != null) {   // asking again would only be rejected again
                    rejected[q] = reply.rejection();
                    unparsed[q] = null;
                    continue;
                }
                Optional<T> v = parse.apply(reply.text());
                if (v.isPresent()) {
                    verdicts.set(q, v.get());
                    unparsed[q] = null;
                } else {
                    if (unparsed[q] == null) unparsed[q] = reply.text();
                    again.add(q);
                }
            }
            pending = again;
        }
        return IntStream.range(0, n).mapToObj(q -> new Outcome<>(verdicts.get(q), unparsed[q], rejected[q], requests[q])).toList();
    }

    /** The request body: deterministic for a question and attempt, so that the request cache answers a resumed run. */
    ObjectNode body(Question q, int attempt) {
        ObjectNode b = JsonNodeFactory.instance.objectNode();
        b.put("model", settings.model());
        switch (settings.api()) {
            case CHAT -> b.putArray("messages").addObject().put("role", "user").put("content", q.prompt());
            case COMPLETIONS -> b.put("prompt", q.prompt());
        }
        b.put("temperature", settings.temperature());
        b.put("max_tokens", settings.maxTokens());
        // non-negative: some servers (TGI) take the seed as unsigned
        b.put("seed", q.seed().applyAsLong(attempt) >>> 1);
        return b;
    }

    /**
     * The replies to {@code bodies}, in order, sent on a pool of max_concurrency threads. Not OpenAiClient.postAll,
     * which fails all on the first error: a judge needs each request's own 4xx, so one over-long completion is missing
     * without failing its prompt.
     */
    private List<Reply> send(List<ObjectNode> bodies) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(settings.maxConcurrency(), bodies.size()), r -> {
            Thread t = new Thread(r, "judge " + settings.model());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Reply>> futures = bodies.stream().map(b -> pool.submit(() -> reply(b))).toList();
            List<Reply> out = new ArrayList<>(bodies.size());
            for (Future<Reply> f : futures) out.add(await(f));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private Reply reply(ObjectNode body) {
        try {
            return new Reply(text(client.post(settings.api().path(), body)), null);
        } catch (OpenAiClient.HttpError e) {
            if (rejectsTheRequest(e.status)) return new Reply(null, e.getMessage());
            throw e;
        }
    }

    /**
     * 400, 413 and 422 say this request cannot be answered (too long for the context, invalid for the model): that
     * completion is not judged. Other statuses fail the run: 401/403/404 are the config's fault and would make every
     * score missing; 408/429/5xx are the server's, which the client has already retried.
     */
    static boolean rejectsTheRequest(int status) { return status == 400 || status == 413 || status == 422; }

    /** The answer's text: {@code choices[0].message.content} (chat) or {@code choices[0].text}; a null content is "". */
    private String text(JsonNode answer) {
        JsonNode choice = answer.path("choices").path(0);
        JsonNode t = switch (settings.api()) {
            case CHAT -> choice.path("message").path("content");
            case COMPLETIONS -> choice.path("text");
        };
        if (t.isTextual()) return t.textValue();
        if (t.isNull() && choice.isObject()) return "";   // e.g. a reasoning model cut off before its answer
        throw new IllegalStateException(settings.url() + "/" + settings.api().path() + " answered without choices[0]'s text: "
                + abbreviate(answer.toString(), 200));
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the judge", e);
        }
    }

    /** The first {@code max} characters on one line, for a missing score's reason. */
    static String abbreviate(String s, int max) {
        String line = s.strip().replaceAll("\\s+", " ");
        return line.isEmpty() ? "(an empty answer)" : line.length() > max ? line.substring(0, max) + "…" : line;
    }
}
