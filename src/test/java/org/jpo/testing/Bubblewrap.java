package org.jpo.testing;

import org.jpo.feedback.Sandbox;
import org.junit.jupiter.api.Assumptions;

import java.util.List;

/** The code sandbox's tools: tests that run programs fail without them when {@code CI=true}, else are skipped. */
public final class Bubblewrap {
    private Bubblewrap() {}

    public static void require() {
        List<String> missing = Sandbox.missingTools();
        if (missing.isEmpty()) return;
        String msg = "the code sandbox needs " + String.join(", ", missing) + " (apt-get install bubblewrap; .ci/run installs it)";
        if ("true".equals(System.getenv("CI"))) throw new AssertionError(msg);
        Assumptions.abort(msg + "; skipping");
    }
}
