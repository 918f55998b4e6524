package org.jpo.serve;

import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** {@code jpo serve} in its own JVM: it prints where it listens, answers /health, and SIGTERM stops it cleanly. */
class ServeCommandTest {
    @Test void servesUntilSigterm() throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss8m", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), "org.jpo.cli.Main", "--threads", "1", "serve",
                "--model", Shared.stories260K().toString(), "--tokenizer", Shared.tok512().toString(), "--port", "0", "--api-key", "cli-key");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        Process p = pb.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            Pattern listening = Pattern.compile("jpo serve: listening on (http://\\S+)/v1");
            String base = null;
            StringBuilder log = new StringBuilder();
            for (String line; base == null && (line = out.readLine()) != null; ) {
                log.append(line).append('\n');
                Matcher m = listening.matcher(line);
                if (m.find()) base = m.group(1);
            }
            assertNotNull(base, "no address printed:\n" + log);
            assertTrue(base.startsWith("http://127.0.0.1:"), "binds to loopback by default: " + base);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            var health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).header("Authorization", "Bearer cli-key").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            var denied = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, denied.statusCode());

            // SIGTERM by kill(1): Process.destroy() would send it too, but closes our end of the output first
            assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "still running 30 s after SIGTERM");
            for (String line; (line = out.readLine()) != null; ) log.append(line).append('\n');
            assertEquals(143, p.exitValue(), "exit after SIGTERM (128 + 15):\n" + log);
            assertTrue(log.toString().contains("jpo serve: stopped"), "the shutdown hook did not close the server:\n" + log);
        } finally {
            p.destroyForcibly();
        }
    }
}
