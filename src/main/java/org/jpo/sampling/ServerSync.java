package org.jpo.sampling;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.ChildEnv;
import org.jpo.UserError;
import org.jpo.io.Jsonl;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Puts a new checkpoint on the sampling server between rounds, so the next round samples from the policy just
 * trained. Two ways: ask {@code jpo serve} to load it ({@link #load}), or run a command that restarts another
 * server (vLLM, llama.cpp) with it and wait until the server is healthy ({@link #command}). Both fail with a
 * {@link UserError} within their timeout rather than hang.
 */
public final class ServerSync {
    /** How often {@link #command} asks the server whether it is healthy. */
    static final Duration HEALTH_POLL = Duration.ofMillis(200);

    private ServerSync() {}

    /** POSTs {@code {"model": "<absolute checkpoint path>"}} to {@code {origin}/v1/load} and waits for the 2xx. */
    public static void load(OpenAiClient client, Path checkpoint, Duration timeout) {
        URI uri = client.origin().resolve("/v1/load");
        JsonNode body = Jsonl.JSON.valueToTree(java.util.Map.of("model", checkpoint.toAbsolutePath().toString()));
        OpenAiClient.Answer a;
        try {
            a = client.send("POST", uri, Optional.of(body), timeout);
        } catch (HttpTimeoutException e) {
            throw new UserError(uri + " did not load " + checkpoint + " within " + seconds(timeout));
        } catch (IOException e) {
            throw new UserError("cannot reach " + uri + " to load " + checkpoint + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + uri + " loads " + checkpoint, e);
        }
        if (!a.ok()) {
            throw new UserError(uri + " could not load " + checkpoint + ": it answered " + a.status() + ": " + OpenAiClient.errorMessage(a.body()));
        }
    }

    /**
     * Runs {@code argv} with every {@code {checkpoint}} in it replaced by the checkpoint's absolute path (e.g. a script
     * that restarts vLLM with it), requires exit 0, then polls {@code GET {origin}/health} until it answers 2xx. The
     * command's output goes to ours; its stdin is empty. The timeout covers both; on it, the command and every
     * process it started are killed.
     */
    public static void command(List<String> argv, Path checkpoint, Duration timeout, OpenAiClient client) {
        if (argv.isEmpty()) throw new UserError("the server sync command is empty");
        List<String> cmd = argv.stream().map(a -> a.replace("{checkpoint}", checkpoint.toAbsolutePath().toString())).toList();
        long deadline = System.nanoTime() + timeout.toNanos();
        run(cmd, timeout, deadline);
        while (!client.health(probe(deadline))) {
            if (System.nanoTime() >= deadline) {
                throw new UserError(client.origin() + "/health: the server is still not healthy after " + seconds(timeout)
                        + " (after running " + cmd + ")");
            }
            sleep(HEALTH_POLL);
        }
    }

    private static void run(List<String> cmd, Duration timeout, long deadline) {
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            ChildEnv.strip(pb.environment());
            p = pb.start();
            p.getOutputStream().close();
        } catch (IOException e) {
            throw new UserError("cannot run the server sync command " + cmd + ": " + e.getMessage(), e);
        }
        try {
            if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                killTree(p);
                throw new UserError("the server sync command " + cmd + " did not finish within " + seconds(timeout) + " (killed)");
            }
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + cmd, e);
        }
        if (p.exitValue() != 0) throw new UserError("the server sync command " + cmd + " failed with exit code " + p.exitValue());
    }

    /** The process and its descendants (listed before any dies, since orphans leave the tree), killed and reaped. */
    static void killTree(Process p) {
        List<ProcessHandle> tree = p.descendants().toList();
        tree.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            p.waitFor(5, TimeUnit.SECONDS);
            // isAlive, not onExit: an orphan's onExit waits for a reaper that a container's init may never be
            while (tree.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A probe's timeout: what is left before the deadline, between 50 ms and {@link OpenAiClient#HEALTH_TIMEOUT}. */
    private static Duration probe(long deadline) {
        long left = Math.max(Duration.ofMillis(50).toNanos(), deadline - System.nanoTime());
        return Duration.ofNanos(Math.min(left, OpenAiClient.HEALTH_TIMEOUT.toNanos()));
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the server to become healthy", e);
        }
    }

    private static String seconds(Duration d) { return d.toMillis() / 1000.0 + " s"; }
}
