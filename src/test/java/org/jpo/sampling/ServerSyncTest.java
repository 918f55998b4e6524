package org.jpo.sampling;

import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.jpo.sampling.FakeServer.reply;
import static org.junit.jupiter.api.Assertions.*;

class ServerSyncTest {
    private FakeServer server;
    private OpenAiClient client;
    @TempDir Path dir;

    @BeforeEach void start() throws Exception {
        server = new FakeServer();
        client = new OpenAiClient(new OpenAiClient.Options(server.base(), Optional.empty(), Duration.ofSeconds(5), 4, 0, Optional.empty()));
    }

    @AfterEach void stop() { server.close(); }

    private Path checkpoint() throws Exception { return Files.createDirectories(dir.resolve("round-1/policy")); }

    // ---- load

    @Test void loadPostsTheAbsolutePathToJpoServe() throws Exception {
        server.on("/v1/load", (ex, req, n) -> reply(ex, 200, "{\"model\":\"loaded\"}"));
        Path ckpt = checkpoint();
        ServerSync.load(client, ckpt, Duration.ofSeconds(5));
        FakeServer.Request r = server.requests().get(0);
        assertEquals("POST", r.method());
        assertEquals(ckpt.toAbsolutePath().toString(), Jsonl.JSON.readTree(r.body()).path("model").asText());
    }

    @Test void aLoadErrorCarriesTheServersMessage() throws Exception {
        server.on("/v1/load", (ex, req, n) -> reply(ex, 400, "{\"error\":{\"message\":\"no config.json in the checkpoint\"}}"));
        UserError e = assertThrows(UserError.class, () -> ServerSync.load(client, checkpoint(), Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("no config.json in the checkpoint") && e.getMessage().contains("400"), e.getMessage());
        assertEquals(1, server.count("/v1/load"), "a failed load is not retried");
    }

    @Test void aLoadThatHangsFailsAfterTheTimeout() throws Exception {
        server.on("/v1/load", (ex, req, n) -> {
            Thread.sleep(10_000);
            reply(ex, 200, "{}");
        });
        long t0 = System.nanoTime();
        UserError e = assertThrows(UserError.class, () -> ServerSync.load(client, checkpoint(), Duration.ofMillis(400)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 3000, "took " + ms + " ms");
        assertTrue(e.getMessage().contains("within 0.4 s"), e.getMessage());
    }

    // ---- command

    @Test void aCommandRunsWithTheCheckpointThenTheServerTurnsHealthy() throws Exception {
        Path marker = dir.resolve("restarted");
        AtomicInteger healthy = new AtomicInteger();
        long[] markedAt = {0};
        server.on("/health", (ex, req, n) -> {
            boolean up = false;
            if (Files.exists(marker)) {
                if (markedAt[0] == 0) markedAt[0] = System.nanoTime();
                up = System.nanoTime() - markedAt[0] > 300_000_000L;   // the restarted server takes a while to come up
            }
            if (up) healthy.incrementAndGet();
            reply(ex, up ? 200 : 503, "{}");
        });
        Path ckpt = checkpoint();
        ServerSync.command(List.of("sh", "-c", "printf %s '{checkpoint}' > " + marker), ckpt, Duration.ofSeconds(10), client);
        assertEquals(ckpt.toAbsolutePath().toString(), Files.readString(marker));
        assertEquals(1, healthy.get(), "returned at the first healthy answer, not before");
    }

    @Test void aFailingCommandNamesItsExitCode() throws Exception {
        server.on("/health", (ex, req, n) -> reply(ex, 200, "{}"));
        UserError e = assertThrows(UserError.class, () -> ServerSync.command(List.of("sh", "-c", "exit 3"), checkpoint(), Duration.ofSeconds(10), client));
        assertTrue(e.getMessage().contains("exit code 3") && e.getMessage().contains("[sh, -c, exit 3]"), e.getMessage());
    }

    @Test void aHangingCommandIsKilledWithItsChildrenAfterTheTimeout() throws Exception {
        server.on("/health", (ex, req, n) -> reply(ex, 200, "{}"));
        Path pidFile = dir.resolve("pid");
        long t0 = System.nanoTime();
        UserError e = assertThrows(UserError.class, () -> ServerSync.command(
                List.of("sh", "-c", "sleep 100 & echo $! > " + pidFile + "; wait"), checkpoint(), Duration.ofSeconds(1), client));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 8000, "took " + ms + " ms");
        assertTrue(e.getMessage().contains("did not finish within 1.0 s"), e.getMessage());
        long sleepPid = Long.parseLong(Files.readString(pidFile).strip());
        assertFalse(ProcessHandle.of(sleepPid).map(ProcessHandle::isAlive).orElse(false), "the command's child sleep " + sleepPid + " is gone");
    }

    @Test void aServerThatNeverTurnsHealthyFailsAfterTheTimeout() throws Exception {
        server.on("/health", (ex, req, n) -> reply(ex, 503, "{}"));
        long t0 = System.nanoTime();
        UserError e = assertThrows(UserError.class, () -> ServerSync.command(List.of("true"), checkpoint(), Duration.ofSeconds(1), client));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 1000 && ms < 4000, "took " + ms + " ms");
        assertTrue(e.getMessage().contains("still not healthy after 1.0 s"), e.getMessage());
        assertTrue(server.count("/health") >= 1, "polled");
    }

    @Test void aMissingProgramIsAUserError() throws Exception {
        UserError e = assertThrows(UserError.class, () -> ServerSync.command(List.of("/no/such/restart-script"), checkpoint(), Duration.ofSeconds(1), client));
        assertTrue(e.getMessage().contains("/no/such/restart-script"), e.getMessage());
    }
}
