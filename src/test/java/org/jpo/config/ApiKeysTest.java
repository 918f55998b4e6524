package org.jpo.config;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** A key is read from the variable a config names; an unset or blank variable is no key. */
class ApiKeysTest {
    private static final Map<String, String> ENV = Map.of("JUDGE_KEY", "sk-judge", "BLANK", "  ");

    @Test void theNamedVariableHoldsTheKey() {
        assertEquals(Optional.of("sk-judge"), ApiKeys.fromEnv("JUDGE_KEY", ENV::get));
        assertEquals(Optional.empty(), ApiKeys.fromEnv("BLANK", ENV::get));
        assertEquals(Optional.empty(), ApiKeys.fromEnv("JPO_API_KEY", ENV::get));
    }

    @Test void aNameIsAVariableNameNeverAKey() {
        assertEquals("JPO_API_KEY", ApiKeys.checkEnvName("api_key_env", "JPO_API_KEY"));
        for (String bad : new String[] {"sk-proj-abc123", "", "1KEY", "MY KEY"}) {
            ConfigError e = assertThrows(ConfigError.class, () -> ApiKeys.checkEnvName("api_key_env", bad));
            assertEquals("api_key_env", e.key());
            if (!bad.isBlank()) assertFalse(e.getMessage().contains(bad), e.getMessage());
        }
    }
}
