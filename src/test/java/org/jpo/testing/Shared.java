package org.jpo.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The project's read-only ground truth in {@code ../shared}: real models and data nobody here wrote.
 * Tests that need a file fail when {@code CI=true} and it is missing, and are skipped (with the reason)
 * on a developer machine that lacks it.
 */
public final class Shared {
    private Shared() {}

    public static Path root() {
        String override = System.getenv("JPO_SHARED");
        return override != null ? Path.of(override) : Path.of("..", "shared").toAbsolutePath().normalize();
    }

    /** A file under shared/, or a failed (CI) / skipped (local) test if it is absent. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            String msg = "shared file missing: " + p + " (set JPO_SHARED to the shared/ directory)";
            if ("true".equals(System.getenv("CI"))) throw new AssertionError(msg);
            Assumptions.abort(msg);
        }
        return p;
    }

    public static Path stories260K() { return require("models/stories260K/stories260K.bin"); }

    public static Path tok512() { return require("models/stories260K/tok512.bin"); }
}
