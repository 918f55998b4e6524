package org.jpo.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.io.Jsonl;
import org.jpo.serve.Server;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * jpo run with {@code engine: remote} on a real {@code jpo serve} of stories260K: sampling and judging (the policy
 * judging itself with a rubric it cannot follow) both go through the server, the round's checkpoint reaches it by
 * {@code /v1/load}, and a run killed mid-judging resumes sending exactly the requests its cache lacks.
 */
class RemoteLoopTest {
    @TempDir Path tmp;
    Server server;

    @BeforeEach void start() { server = Server.start(Server.Options.of(Shared.stories260K(), Optional.of(Shared.tok512()))); }

    @AfterEach void stop() { if (server != null) server.close(); }

    /** One round: 8 prompts × 4 samples judged k = 2 times by the policy's own server, 4 eval prompts; retries as given. */
    Path config(String name, int maxRetries, String samplingExtra) throws IOException {
        LoopFixtures.prompts(tmp, "");
        // short enough for stories260K's 512-token window; the "rubric" is a real one, which the model cannot follow
        Files.writeString(tmp.resolve("rubric.txt"), "Rate the story from 0 to 5. Story: {prompt}{response}\nScore:");
        String url = server.baseUrl().toString(), model = Shared.stories260K().toString();
        String yaml = "output_dir: " + name + "\nseed: 5\nrounds: 1\npolicy: " + Shared.stories260K() + "\ntokenizer: " + Shared.tok512() + "\n"
                + "prompts: {file: prompts.jsonl, per_round: 8, eval_fraction: 0.1}\n"
                + "sampling: {n: 4, max_new_tokens: 16, engine: remote, url: '" + url + "', model: '" + model + "', max_concurrency: 4, "
                + "max_retries: " + maxRetries + samplingExtra + "}\n"
                + "feedback: [{type: judge, url: '" + url + "', model: '" + model + "', api: completions, template: rubric.txt, k: 2, "
                + "retries: 1, max_tokens: 8, max_concurrency: 4}]\n"
                + "eval: {samples: 1}\n"
                + "train: {learning_rate: 1.0e-3, per_device_train_batch_size: 2, max_length: 64, max_prompt_length: 32}\n";
        return Files.writeString(tmp.resolve(name + ".yaml"), yaml);
    }

    @Test void aRoundSampledAndSelfJudgedThroughJpoServeResumesWithoutRepeatingACachedRequest() throws Exception {
        Path config = config("whole", 5, "");
        long before = completions();
        assertEquals(0, LoopResumeTest.jpo(config, tmp.resolve("whole"), false).waitFor(), log("whole"));
        long whole = completions() - before;
        Path cache = tmp.resolve("whole/cache/requests");
        assertEquals(whole, entries(cache), "every request the run sent is cached once");
        // sampler and judge answers alike live in the scope of the server's state: round 1's eval, with round 0's seeds,
        // must not be answered with round 0's completions
        assertEquals(entries(cache), entries(cache.resolve("round-000/eval")) + entries(cache.resolve("round-001/sample"))
                + entries(cache.resolve("round-001/eval")), "cache entries outside a (round, phase) scope");
        assertEquals(2, loads() , "round 0's eval and round 1's sampling at the starting model, round 1's eval at its checkpoint: two loads");

        // the run's numbers: the judge's unparseable answers are missing scores, counted, and the round still finished
        JsonNode m = Jsonl.JSON.readTree(tmp.resolve("whole/round-001/manifest.json").toFile());
        assertTrue(m.get("finished").asBoolean());
        JsonNode judge = m.get("scorers").get("judge:" + Shared.stories260K());
        int samples = m.get("counts").get("samples").asInt(), missing = m.get("counts").get("missing").asInt();
        assertEquals(32, samples);
        assertEquals(missing, judge.get("missing").asInt());
        assertTrue(missing > 16, "stories260K cannot follow a rubric: most of its judgments are unparseable, got " + missing + " missing");
        assertEquals(2.0 * samples, judge.get("stats").get("judgments").asDouble());
        assertTrue(judge.get("stats").get("unparsed").asDouble() >= 2 * missing, judge.toString());
        assertEquals(samples, Jsonl.read(tmp.resolve("whole/round-001/samples.jsonl")).size());

        // the same run killed while it judges, then resumed
        Path killedConfig = config("killed", 5, "");
        Path killed = tmp.resolve("killed");
        long first = completions();
        Process p = LoopResumeTest.jpo(killedConfig, killed, false);
        LoopResumeTest.killWhen(p, () -> polledEntries(killed.resolve("cache/requests/round-001/sample")) >= 40);
        assertFalse(Files.exists(killed.resolve("round-001/samples.jsonl")), "the kill came after judging finished");
        long atKill = entries(killed.resolve("cache/requests"));
        long resumeStart = completions();
        assertTrue(resumeStart - first >= atKill, "each cached answer was sent once");
        assertEquals(0, LoopResumeTest.jpo(killedConfig, killed, true).waitFor(), log("killed"));
        long resumed = completions() - resumeStart;
        // the resumed run asked the server exactly what its cache lacked (requests in flight at the kill among them)
        assertEquals(whole - atKill, resumed, "requests sent by the resumed run; " + atKill + " were cached at the kill");
        assertEquals(whole, entries(killed.resolve("cache/requests")));
        for (String f : List.of("round-001/samples.jsonl", "round-001/eval_samples.jsonl", "round-000/eval_samples.jsonl")) {
            List<Jsonl.Line> a = Jsonl.read(tmp.resolve("whole").resolve(f)), b = Jsonl.read(killed.resolve(f));
            assertEquals(a.size(), b.size(), f);
            for (int i = 0; i < a.size(); i++) {
                // the completions, their scores and every judge answer are the same; the server's log-probs differ in float
                // bits with the batches requests shared (the jpo serve tests measure 8.1e-6)
                var x = a.get(i).json().deepCopy(); var y = b.get(i).json().deepCopy();
                assertEquals(x.remove("logp").asDouble(), y.remove("logp").asDouble(), 2e-5 * Math.max(1, x.path("tokens").asInt()), f + ":" + (i + 1));
                assertEquals(x, y, f + ":" + (i + 1));
            }
        }
        assertEquals(0, metric("jpo_errors_total"), "no request was refused");
    }

    @Test void aServerKilledMidRoundPastTheRetriesEndsTheRunClearlyAndResumeFinishesIt() throws Exception {
        int port = server.port();
        Path config = config("down", 1, "");
        Path out = tmp.resolve("down");
        Process p = LoopResumeTest.jpo(config, out, false);
        awaitEntries(p, out.resolve("cache/requests/round-001/sample"), 20, "down");
        server.close();                  // killed mid-judging, and it stays down
        server = null;
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "the run hung");
        assertEquals(2, p.exitValue(), log("down"));
        String log = log("down");
        // the judge's client gave up (its own retries; the sampler's are max_retries)
        assertTrue(Pattern.compile("error: round-001/sample: POST http://127.0.0.1:" + port + "/v1/completions: no answer after \\d+ attempts")
                .matcher(log).find(), log);
        assertTrue(log.contains("nothing finished is lost: run again with --resume"), log);
        assertFalse(log.contains("\tat org.jpo"), "a stack trace: " + log);
        server = serverOn(port);
        assertEquals(0, LoopResumeTest.jpo(config, out, true).waitFor(), log("down"));
        assertTrue(Files.exists(out.resolve("round-001/manifest.json")));
    }

    @Test void aSyncToAServerThatIsDownSaysSo() throws Exception {
        Path config = config("nosync", 1, "");
        String url = server.baseUrl().toString();
        server.close();
        server = null;
        Cli.Result r = Cli.run("run", config.toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("error: cannot reach " + url + "/load to load " + Shared.stories260K()), r.err());
    }

    @Test void aServerRestartedMidRoundIsRetriedAndTheRunFinishes() throws Exception {
        int port = server.port();
        Path config = config("restart", 8, "");
        Path out = tmp.resolve("restart");
        Process p = LoopResumeTest.jpo(config, out, false);
        awaitEntries(p, out.resolve("cache/requests/round-001/sample"), 20, "restart");
        server.close();                  // killed mid-judging
        // down briefly: a judge request gets 5 retries after full-jitter waits (ceilings 0.5, 1, 2, 4, 8 s), which sum to
        // under 2.5 s in 1.5% of runs (2 s: 0.6%, 1 s: 0.03%; Monte Carlo) — a 1.5 s pause plus the restart failed CI once
        Thread.sleep(300);
        server = serverOn(port);
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "the run hung");
        assertEquals(0, p.exitValue(), log("restart"));
        assertTrue(Files.exists(out.resolve("round-001/manifest.json")));
    }

    @Test void aFailingOrHangingSyncEndsTheRoundWithAClearMessage() throws Exception {
        Cli.Result r = Cli.run("run", config("fails", 1, ", sync: command, sync_command: [/bin/sh, -c, 'exit 3']").toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("exit code 3"), r.err());
        long t0 = System.nanoTime();
        r = Cli.run("run", config("hangs", 1, ", sync: command, sync_command: [sleep, '100'], sync_timeout_seconds: 2").toString());
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("sleep") && r.err().contains("2"), r.err());
        assertTrue(seconds < 30, "the sync timeout was not honoured: " + seconds + " s");
    }

    /** sampling.min_p reaches the server's requests (jpo serve refuses it rather than ignore it, so the run says so). */
    @Test void minPIsSentToTheServer() throws Exception {
        Cli.Result r = Cli.run("run", config("minp", 1, ", min_p: 0.05").toString());
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("error: round-000/eval: ") && r.err().contains("min_p is not supported by jpo serve"), r.err());
    }

    /** The server's key comes from the variable api_key_env names, for sync, sampling and the judge alike. */
    @Test void aKeyedServerIsReachedWithTheKeyFromTheEnvironment() throws Exception {
        int port = server.port();
        server.close();
        server = Server.start(new Server.Options(Shared.stories260K(), Optional.of(Shared.tok512()), "127.0.0.1", port, Optional.of("sekrit"),
                Shared.stories260K().toString(), Optional.empty(), 64, 64));
        Path config = config("keyed", 1, "");
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("JPO_API_KEY") == null, "JPO_API_KEY is set in the test's environment");
        Cli.Result r = Cli.run("run", config.toString(), "output_dir=" + tmp.resolve("nokey"));
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("401"), r.err());
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "org.jpo.cli.Main", "--threads", "1", "run", config.toString(), "output_dir=" + tmp.resolve("keyed"))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("keyed.log").toFile());
        pb.environment().put("JPO_API_KEY", "sekrit");
        Process p = pb.start();
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "the run hung");
        assertEquals(0, p.exitValue(), log("keyed"));
        assertTrue(Files.exists(tmp.resolve("keyed/round-001/manifest.json")));
    }

    /** jpo serve of stories260K again on the port the run was told. */
    private static Server serverOn(int port) {
        return Server.start(new Server.Options(Shared.stories260K(), Optional.of(Shared.tok512()), "127.0.0.1", port, Optional.empty(),
                Shared.stories260K().toString(), Optional.empty(), 64, 64));
    }

    /** Waits until {@code dir} holds {@code n} cache entries while {@code p} runs. */
    private void awaitEntries(Process p, Path dir, int n, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (polledEntries(dir) < n) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, log(name));
            Thread.sleep(10);
        }
    }

    private long completions() throws Exception { return metric("jpo_requests_total{endpoint=\"/v1/completions\"}"); }

    private long loads() throws Exception { return metric("jpo_load_total"); }

    /** A counter of jpo serve's /metrics (summed over labels when {@code name} has none). */
    private long metric(String name) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        long sum = 0;
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + (name.contains("{") ? "" : "(\\{[^}]*\\})?") + " (\\d+)$").matcher(text);
        while (m.find()) sum += Long.parseLong(m.group(m.groupCount()));
        return sum;
    }

    private static long entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".json")).count();
        }
    }

    /** {@link #entries} while a run writes them: 0 when a temporary file was renamed into place mid-walk, so the caller polls again. */
    private static long polledEntries(Path dir) throws IOException {
        try {
            return entries(dir);
        } catch (java.io.UncheckedIOException e) {
            if (e.getCause() instanceof java.nio.file.NoSuchFileException) return 0;
            throw e;
        }
    }

    private String log(String name) throws IOException {
        Path f = tmp.resolve(name + ".log");
        return Files.exists(f) ? Files.readString(f) : "(no log)";
    }
}
