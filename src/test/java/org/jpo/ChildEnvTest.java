package org.jpo;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ChildEnvTest {
    @Test void theLaunchersTcmallocPreloadIsNotPassedOn() {
        Map<String, String> env = new HashMap<>(Map.of("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
                "JPO_MALLOC", "tcmalloc", "PATH", "/usr/bin"));
        ChildEnv.strip(env);
        assertEquals(Map.of("PATH", "/usr/bin"), env);
    }

    @Test void aPreloadTheUserSetIsKept() {
        Map<String, String> env = new HashMap<>(Map.of("LD_PRELOAD", "/opt/mine.so", "PATH", "/usr/bin"));
        ChildEnv.strip(env);
        assertEquals(Map.of("LD_PRELOAD", "/opt/mine.so", "PATH", "/usr/bin"), env);
    }
}
