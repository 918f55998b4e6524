package org.jpo;

import java.util.Map;

/** What the {@code jpo} launcher put in the environment for this JVM alone, and what child processes get instead. */
public final class ChildEnv {
    private ChildEnv() {}

    /** True when the launcher preloaded tcmalloc ({@code JPO_MALLOC=tcmalloc}): every thread has its own caches. */
    public static boolean tcmalloc() { return "tcmalloc".equals(System.getenv("JPO_MALLOC")); }

    /**
     * True when glibc's malloc runs with one arena (the launcher's {@code GLIBC_TUNABLES} without tcmalloc): every
     * thread's allocations then take one lock, which serialized two decode workers (14k tok/s against one worker's
     * 15k, stories260K, 256 rows).
     */
    public static boolean oneMallocArena() {
        String t = System.getenv("GLIBC_TUNABLES");
        return !tcmalloc() && t != null && t.matches(".*glibc\\.malloc\\.arena_max=1(:.*)?");
    }

    /** Removes the launcher's allocator preload from a child's environment: baselines and servers run as installed. */
    public static void strip(Map<String, String> env) {
        if (!"tcmalloc".equals(env.get("JPO_MALLOC"))) return;
        env.remove("LD_PRELOAD");
        env.remove("JPO_MALLOC");
    }
}
