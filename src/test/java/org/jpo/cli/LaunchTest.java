package org.jpo.cli;

import org.jpo.ChildJpo;
import org.jpo.dist.EnvProbe;
import org.jpo.dist.World;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** jpo launch: torchrun's environment for each rank, prefixed whole lines, the first failure stops the rest, bad input refused. */
class LaunchTest {
    @TempDir Path tmp;

    @Test void eachRankGetsTorchrunsEnvironmentAndItsLinesArePrefixed() {
        Cli.Result r = probe("launch", "--nproc-per-node", "2", "--nnodes", "2", "--node-rank", "1", "--master-addr", "10.1.2.3",
                "--master-port", "1234", "--", "env");
        assertEquals(0, r.exit(), r.toString());
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        for (int rank : new int[] {2, 3}) {
            String p = "[rank " + rank + "] ";
            for (String line : List.of("RANK=" + rank, "WORLD_SIZE=4", "LOCAL_RANK=" + (rank - 2), "LOCAL_WORLD_SIZE=2",
                    "MASTER_ADDR=10.1.2.3", "MASTER_PORT=1234", "JPO_EXIT_WITH_PARENT=1", "args=--threads " + threads + " env",
                    "world=World[rank=" + rank + ", size=4, localRank=" + (rank - 2) + ", localSize=2, masterAddr=10.1.2.3, masterPort=1234]",
                    "no newline at the end")) {
                assertTrue(r.out().contains(p + line + "\n"), p + line + "\n" + r);
            }
            assertTrue(r.err().contains(p + "on stderr from " + rank + "\n"), r.toString());
        }
        assertFalse(r.out().contains("on stderr"), "stderr went to stdout");
        Pattern numbered = Pattern.compile("\\[rank (\\d)] rank (\\d) line (\\d+) x{200}");
        int[] lines = new int[4];
        for (String line : r.out().split("\n", -1)) {
            if (line.isEmpty()) continue;
            assertTrue(line.matches("\\[rank [23]] .*") && line.indexOf("[rank ", 1) < 0, "not one whole line of one rank: " + line);
            Matcher m = numbered.matcher(line);
            if (!m.matches()) continue;
            assertEquals(m.group(1), m.group(2), line);
            assertEquals(lines[Integer.parseInt(m.group(1))]++, Integer.parseInt(m.group(3)), line);
        }
        assertArrayEquals(new int[] {0, 0, 300, 300}, lines);
    }

    @Test void oneProcessIsAWorldOfOneWithTheDefaultsAndGivenThreads() {
        Cli.Result r = probe("--threads", "3", "launch", "--nproc-per-node", "1", "--", "env");
        assertEquals(0, r.exit(), r.toString());
        for (String line : List.of("RANK=0", "WORLD_SIZE=1", "LOCAL_RANK=0", "LOCAL_WORLD_SIZE=1", "MASTER_ADDR=127.0.0.1",
                "MASTER_PORT=29500", "args=--threads 3 env", "world=" + World.SINGLE)) {
            assertTrue(r.out().contains("[rank 0] " + line + "\n"), line + "\n" + r);
        }
    }

    @Test void theFirstRankToFailStopsTheOthersAndGivesItsCode() {
        Set<Long> before = descendants();
        long t0 = System.nanoTime();
        Cli.Result r = probe("launch", "--nproc-per-node", "2", "--", "fail", "1", "3");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(3, r.exit(), r.toString());
        assertTrue(seconds < 20, "launch waited " + seconds + " s for the sleeping rank");
        assertTrue(r.err().endsWith("error: rank 1 exited with code 3; stopped the other ranks\n"), r.toString());
        assertEquals(Set.of(), started(before), "a rank outlived the launch");
    }

    @Test void aSignalToLaunchEndsItsRanksAndShowsTheirLastLines() throws Exception {
        Path log = tmp.resolve("launch.log");
        List<String> cmd = ChildJpo.sameJvm(1).command(List.of("launch", "--nproc-per-node", "2", "--", "bench", "train", "--no-pytorch",
                "--thread-counts", "1", "--steps", "100000", "--dim", "64", "--layers", "1", "--vocab", "256", "--seq-len", "16",
                "--batch-size", "1", "--peak-size", "64", "--pause-ms", "0"));   // prints at once, then runs for minutes
        Process launch = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // both ranks run the bench (each JVM's own startup warning also carries its rank's prefix)
            while (!(read(log).contains("[rank 0] DPO step") && read(log).contains("[rank 1] DPO step"))) {
                assertTrue(launch.isAlive() && System.nanoTime() < deadline, read(log));
                Thread.sleep(50);
            }
            List<ProcessHandle> ranks = launch.toHandle().children().toList();
            assertEquals(2, ranks.size(), ranks.toString());
            launch.toHandle().destroy();   // SIGTERM
            assertTrue(launch.waitFor(30, TimeUnit.SECONDS), read(log));
            assertEquals(143, launch.exitValue(), read(log));
            assertEquals(List.of(), ranks.stream().filter(ProcessHandle::isAlive).toList(), "a rank outlived the launch");
            for (int rank = 0; rank < 2; rank++) assertTrue(read(log).contains("[rank " + rank + "] interrupted: jpo bench\n"), read(log));
            assertFalse(read(log).contains("error: rank"), "a stopped rank is not a failed one: " + read(log));
            assertFalse(read(log).contains("Exception"), read(log));
        } finally {
            launch.destroyForcibly();
        }
    }

    private static String read(Path f) throws IOException { return new String(Files.readAllBytes(f), StandardCharsets.UTF_8); }

    @Test void badInputIsRefusedBeforeAnyRankStarts() {
        String[][] cases = {
                {"--nproc-per-node must be >= 1, got 0", "--nproc-per-node", "0", "--", "env"},
                {"--nnodes must be >= 1, got 0", "--nproc-per-node", "1", "--nnodes", "0", "--", "env"},
                {"--node-rank must be in [0, --nnodes) = [0, 2), got 2", "--nproc-per-node", "1", "--nnodes", "2", "--node-rank", "2", "--", "env"},
                {"--node-rank must be in [0, --nnodes) = [0, 1), got -1", "--nproc-per-node", "1", "--node-rank", "-1", "--", "env"},
                {"--master-port must be a port in [1, 65535], got 0", "--nproc-per-node", "1", "--master-port", "0", "--", "env"},
                {"--master-port must be a port in [1, 65535], got 65536", "--nproc-per-node", "1", "--master-port", "65536", "--", "env"},
                {"--master-addr must name a host", "--nproc-per-node", "1", "--master-addr", " ", "--", "env"},
                {"jpo launch needs the command each rank runs after --", "--nproc-per-node", "2", "--"},
                {"a rank cannot run jpo launch itself", "--nproc-per-node", "2", "--", "launch", "--nproc-per-node", "2", "--", "env"},
                {"a rank cannot run jpo launch itself", "--nproc-per-node", "2", "--", "--quiet", "launch"},
                {"give --threads to launch, before --", "--nproc-per-node", "2", "--", "--threads", "1", "env"},
                {"Missing required option: '--nproc-per-node=N'", "--", "env"},
        };
        for (String[] c : cases) {
            Set<Long> before = descendants();
            String[] args = new String[c.length];
            args[0] = "launch";
            System.arraycopy(c, 1, args, 1, c.length - 1);
            Cli.Result r = probe(args);
            assertEquals(2, r.exit(), String.join(" ", args) + "\n" + r);
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("error: ")).count(), r.toString());
            assertTrue(r.err().startsWith("error: " + c[0]), "expected " + c[0] + "\n" + r);
            assertEquals("", r.out(), "a rank started");
            assertEquals(Set.of(), started(before), "a rank is running");
        }
    }

    @Test void twoRanksOfARealJpoCommand() {
        Cli.Result one = Cli.run("losses");
        Cli.Result r = Cli.run("launch", "--nproc-per-node", "2", "--", "losses");
        assertEquals(0, r.exit(), r.toString());
        for (int rank = 0; rank < 2; rank++) {
            String p = "[rank " + rank + "] ";
            List<String> mine = r.out().lines().filter(l -> l.startsWith(p)).map(l -> l.substring(p.length())).toList();
            assertEquals(one.out().lines().toList(), mine, r.toString());
        }
        assertEquals(r.out().lines().count(), 2 * one.out().lines().count(), "lines of neither rank");
    }

    /** The CLI with each rank an {@link EnvProbe} instead of jpo. */
    private static Cli.Result probe(String... args) {
        List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), EnvProbe.class.getName());
        LaunchCommand.jpo = threads -> new ChildJpo(java, threads);
        try {
            return Cli.run(args);
        } finally {
            LaunchCommand.jpo = ChildJpo::sameJvm;
        }
    }

    /** The processes this JVM started that are running (their command lines are cut at 4 kB: the classpath fills them). */
    private static Set<Long> descendants() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /** Those running now that were not {@code before}. */
    private static Set<Long> started(Set<Long> before) {
        Set<Long> now = descendants();
        now.removeAll(before);
        return now;
    }
}
