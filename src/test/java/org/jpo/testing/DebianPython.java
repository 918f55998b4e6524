package org.jpo.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Debian's python3, which runs the independent references (the numpy forward, Jinja2's rendering); {@code .ci/run}
 * installs the modules they import. A test that needs a missing one fails when {@code CI=true} and is skipped (with
 * the reason) elsewhere.
 */
public final class DebianPython {
    public static final String PYTHON = "/usr/bin/python3";

    private DebianPython() {}

    /** Stops the test unless {@code import module} works; {@code why} says what needs it. */
    public static void require(String module, String why) throws IOException, InterruptedException {
        boolean ok = Files.isExecutable(Path.of(PYTHON))
                && new ProcessBuilder(PYTHON, "-c", "import " + module).redirectErrorStream(true).start().waitFor() == 0;
        if (ok) return;
        String msg = PYTHON + " with " + module + " is missing (apt-get install python3-" + module + "): " + why;
        if ("true".equals(System.getenv("CI"))) throw new AssertionError(msg);
        Assumptions.abort(msg);
    }
}
