package org.jpo.dist;

import org.jpo.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two ranks in two JVMs on c10d's Gloo: collectives give the right answers; an absent peer is an error after the timeout,
 * never a hang (a peer killed mid-training is DataParallelTest's).
 */
class GroupTest {
    @TempDir Path tmp;

    @Test void twoRanksAverageAndBroadcast() throws Exception {
        int port = World.freePort();
        Process r0 = rank(0, 2, port, 30), r1 = rank(1, 2, port, 30);
        assertEquals(0, finish(r0, 0), log(0));
        assertEquals(0, finish(r1, 1), log(1));
        assertTrue(log(0).contains("rank 0 mean [1.5, 15.0] broadcast [7.0]"), log(0));
        assertTrue(log(1).contains("rank 1 mean [1.5, 15.0] broadcast [7.0]"), log(1));
    }

    @Test void aPeerThatNeverComesIsNamedAfterTheTimeout() throws Exception {
        Process r0 = rank(0, 2, World.freePort(), 3);
        assertEquals(2, finish(r0, 0), log(0));
        assertTrue(log(0).contains("error: rank 0 of 2: joining the group at 127.0.0.1:"), log(0));
    }

    @Test void theEnvironmentContract() {
        assertEquals(World.SINGLE, World.from(Map.of()));
        assertEquals(World.SINGLE, World.from(Map.of("WORLD_SIZE", "1")));
        assertEquals(new World(3, 4, 1, 2, "node0", 29500), World.from(Map.of("WORLD_SIZE", "4", "RANK", "3", "LOCAL_RANK", "1",
                "LOCAL_WORLD_SIZE", "2", "MASTER_ADDR", "node0", "MASTER_PORT", "29500")));
        assertMessage(Map.of("WORLD_SIZE", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1"), "RANK is not set");
        assertMessage(Map.of("WORLD_SIZE", "2", "RANK", "2", "MASTER_ADDR", "h", "MASTER_PORT", "1"), "RANK must be in [0, WORLD_SIZE) = [0, 2), got 2");
        assertMessage(Map.of("WORLD_SIZE", "2", "RANK", "0", "MASTER_PORT", "1"), "MASTER_ADDR is not set");
        assertMessage(Map.of("WORLD_SIZE", "two"), "WORLD_SIZE must be an integer, got \"two\"");
        assertMessage(Map.of("WORLD_SIZE", "2", "RANK", "0", "MASTER_ADDR", "h", "MASTER_PORT", "70000"), "MASTER_PORT must be a port");
    }

    private static void assertMessage(Map<String, String> env, String expected) {
        UserError e = assertThrows(UserError.class, () -> World.from(env));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private Process rank(int rank, int world, int port, int timeoutSeconds) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), GroupProbe.class.getName(), Integer.toString(timeoutSeconds)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("rank" + rank + ".log").toFile());
        pb.environment().putAll(Map.of("RANK", "" + rank, "WORLD_SIZE", "" + world, "MASTER_ADDR", "127.0.0.1", "MASTER_PORT", "" + port,
                "OMP_NUM_THREADS", "1"));
        return pb.start();
    }

    private int finish(Process p, int rank) throws Exception {
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("rank " + rank + " hung; its log:\n" + log(rank));
        }
        return p.exitValue();
    }

    private String log(int rank) throws IOException { return Files.readString(tmp.resolve("rank" + rank + ".log")); }
}
