package org.jpo.feedback;

import org.jpo.UserError;
import org.jpo.testing.Bubblewrap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The sandbox on programs that try what a model's code should not: see the host, write outside its directory, run
 * forever, allocate without bound. Programs report through their last line of stderr ({@code sys.exit("...")}).
 */
class SandboxTest {
    static final String PYTHON = "/usr/bin/python3";
    static final Sandbox.Limits SMALL = new Sandbox.Limits(10, 2, 256, 16);

    @TempDir Path dir;

    @BeforeEach void needsBubblewrap() { Bubblewrap.require(); }

    static Sandbox.Result run(Sandbox.Limits limits, String program) { return Sandbox.open(PYTHON, limits).run(program); }

    static String described(Sandbox.Limits limits, String program) { return Sandbox.describe(run(limits, program), limits); }

    @Test void runsAsAFreshUnprivilegedUidWithTheLimits() throws Exception {
        String got = run(SMALL, """
                import os, resource, sys
                caps = [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0]
                r = [resource.getrlimit(getattr(resource, "RLIMIT_" + n)) for n in ["NPROC", "AS", "CPU", "FSIZE", "NOFILE", "CORE"]]
                sys.exit(f"uid={os.getuid()} euid={os.geteuid()} gid={os.getgid()} groups={os.getgroups()} caps={caps} {r}")
                """).stderr();
        Matcher m = Pattern.compile("uid=(\\d+) euid=\\1 gid=\\1 groups=\\[] caps=0000000000000000 (.*)").matcher(got);
        assertTrue(m.matches(), got);
        int uid = Integer.parseInt(m.group(1));
        int self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (self == 0) assertTrue(uid >= Sandbox.BASE_UID && uid < Sandbox.BASE_UID + 1000, got);
        else assertEquals(self, uid);
        assertEquals("[(16, 16), (268435456, 268435456), (2, 3), (67108864, 67108864), (64, 64), (0, 0)]", m.group(2));
    }

    /** In its own network namespace even 127.0.0.1 is not the host's: the port is never reached (the same program outside reaches it). */
    @Test void theHostsLoopbackIsUnreachable() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(300);
            String connect = "import socket\nsocket.create_connection(('127.0.0.1', %d), timeout=2).sendall(b'hi')\n"
                    .formatted(server.getLocalPort());
            // its 127.0.0.1 is its own loopback, where nothing listens
            assertEquals("failed: ConnectionRefusedError: [Errno 111] Connection refused", described(SMALL, connect));
            assertThrows(SocketTimeoutException.class, server::accept, "the sandboxed program reached the host's port");

            Path unsandboxed = Files.writeString(dir.resolve("connect.py"), connect);
            Process p = new ProcessBuilder(PYTHON, unsandboxed.toString()).start();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            try (Socket s = server.accept()) {
                assertEquals("hi", new String(s.getInputStream().readAllBytes()), "the program itself connects when not sandboxed");
            }
        }
    }

    @Test void itWritesOnlyInItsWorkingDirectoryAndItsOwnTmp() throws Exception {
        Path shared = Files.createDirectories(Path.of("target", "sandbox-writable-" + UUID.randomUUID()).toAbsolutePath());
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));   // anyone may write here, outside
        String name = "jpo-sandbox-probe-" + UUID.randomUUID();
        Path home = Path.of(System.getProperty("user.home"), name), tmp = Path.of("/tmp", name);
        try {
            String got = run(SMALL, """
                    import errno, sys
                    def attempt(path):
                        try:
                            with open(path, "w") as f:
                                f.write("x")
                            return "ok"
                        except OSError as e:
                            return errno.errorcode[e.errno]
                    paths = [("cwd", "out.txt"), ("shared", "%s"), ("home", "%s"), ("tmp", "%s")]
                    sys.exit(" ".join(f"{n}:{attempt(p)}" for n, p in paths))
                    """.formatted(shared.resolve("x"), home, tmp)).stderr();
            assertTrue(got.matches("cwd:ok shared:(EROFS|ENOENT) home:(EROFS|EACCES|ENOENT) tmp:ok"), got);
            assertFalse(Files.exists(shared.resolve("x")));
            assertFalse(Files.exists(home));
            assertFalse(Files.exists(tmp), "the program's /tmp is its own");
        } finally {
            Files.deleteIfExists(shared.resolve("x"));
            Files.delete(shared);
        }
    }

    @Test void theWorkingDirectoryIsDeletedAfterwardsEvenWhenLocked() {
        String cwd = run(SMALL, """
                import os, sys
                os.makedirs("sub/locked")
                open("sub/locked/f", "w").write("x")
                os.chmod("sub/locked", 0)
                os.chmod("sub", 0)
                sys.exit(os.getcwd())
                """).stderr();
        Path work = Path.of(cwd);
        assertEquals(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath(), work.getParent());
        assertTrue(work.getFileName().toString().startsWith("jpo-sandbox-"), cwd);
        assertFalse(Files.exists(work), cwd + " was left behind");
    }

    /** 1 s of CPU takes 1.0 s of wall clock on an idle machine, 3.2 s was measured with the 2 cores at a load of 12. */
    @Test void anEndlessLoopEndsAtTheCpuLimit() {
        Sandbox.Limits limits = new Sandbox.Limits(20, 1, 256, 16);
        Sandbox.Result r = run(limits, "while True:\n    pass\n");
        assertEquals("CPU time limit (1 s)", Sandbox.describe(r, limits));
        assertTrue(r.seconds() >= 1 && r.seconds() < 5, r.seconds() + " s");
    }

    /** Its child too: nothing it started outlives the timeout. */
    @Test @Timeout(20) void aSleeperEndsAtTheWallClockWithItsChildren() throws Exception {
        Sandbox.Limits limits = new Sandbox.Limits(1, 5, 256, 16);
        Sandbox.Result r = run(limits, "import subprocess, time\nsubprocess.Popen(['/bin/sleep', '77.5'])\ntime.sleep(100)\n");
        assertEquals("timed out after 1 s (wall clock)", Sandbox.describe(r, limits));
        assertTrue(r.timedOut());
        assertTrue(r.seconds() >= 1 && r.seconds() < 2.5, r.seconds() + " s");
        long deadline = System.nanoTime() + 2_000_000_000L;   // SIGKILL is delivered asynchronously
        while (sleeperAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        assertFalse(sleeperAlive(), "the program's child survived the timeout");
    }

    private static boolean sleeperAlive() {
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").contains("sleep 77.5"));
    }

    @Test void memoryIsLimitedToTheAddressSpaceGiven() {
        assertEquals("passed", described(SMALL, "x = bytearray(64 * 1024**2)\n"));
        assertEquals("failed: MemoryError", described(SMALL, "x = bytearray(512 * 1024**2)\n"));
    }

    @Test void filesAreLimitedTo64MiB() {
        assertEquals("passed", described(SMALL, "open('f', 'wb').write(bytes(1 << 20))\n"));
        assertEquals("failed: OSError: [Errno 27] File too large", described(SMALL, "open('f', 'wb').write(bytes(65 << 20))\n"));
    }

    @Test void theEnvironmentIsNotPassedOn() {
        assertEquals("failed: ['HOME', 'LANG', 'PATH', 'PWD']", described(SMALL, "import os, sys\nsys.exit(str(sorted(os.environ)))\n"));
    }

    @Test void missingToolsSayWhatToInstall() throws Exception {
        UserError e = assertThrows(UserError.class, () -> Sandbox.open(PYTHON, SMALL, dir.toString()));
        assertEquals("the code verifier runs programs in a sandbox, but setpriv, prlimit, bwrap are not installed: install Debian's "
                + "bubblewrap (apt-get install bubblewrap; setpriv and prlimit come with util-linux)", e.getMessage());
        Path bin = Files.createDirectory(dir.resolve("bin"));
        for (String tool : new String[] {"setpriv", "prlimit"}) {
            Files.writeString(bin.resolve(tool), "#!/bin/sh\n");
            Files.setPosixFilePermissions(bin.resolve(tool), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        assertTrue(assertThrows(UserError.class, () -> Sandbox.open(PYTHON, SMALL, bin.toString())).getMessage()
                .startsWith("the code verifier runs programs in a sandbox, but bwrap is not installed: install Debian's bubblewrap"));
    }

    @Test void aPythonThatCannotRunFailsWhenOpened() {
        UserError e = assertThrows(UserError.class, () -> Sandbox.open("/usr/bin/no-such-python", SMALL));
        assertTrue(e.getMessage().startsWith("the code sandbox cannot run a trivial program with /usr/bin/no-such-python: "
                + "failed: bwrap: execvp /usr/bin/no-such-python: No such file or directory"), e.getMessage());
    }
}
