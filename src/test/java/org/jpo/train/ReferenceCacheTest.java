package org.jpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.io.Jsonl;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Reference log-probs are computed once and reused; a change of data or model is a miss. */
class ReferenceCacheTest {
    @TempDir Path tmp;

    @BeforeEach void isolatedCache() { System.setProperty("jpo.cache.dir", tmp.resolve("cache").toString()); }

    @AfterEach void restore() { System.clearProperty("jpo.cache.dir"); }

    private JsonNode train(Path data, Path model, String name) throws Exception {
        Path cfg = TrainFixtures.config(tmp.resolve(name + ".yaml"), data, tmp.resolve(name), "learning_rate: 0.001\nmax_steps: 2\n"
                + "per_device_train_batch_size: 4\nsave_steps: 100\nlogging_steps: 1\n");
        if (model != null) Files.writeString(cfg, Files.readString(cfg).replace("model: " + Shared.stories260K(), "model: " + model));
        Cli.Result r = Cli.run("train", cfg.toString());
        assertEquals(0, r.exit(), r.toString());
        JsonNode result = Jsonl.JSON.readTree(r.out().lines().reduce((a, b) -> b).orElseThrow());
        // the log says so too
        assertEquals(result.get("reference_cache_hit").asBoolean(), r.err().contains("reference log-probs: cache hit"), r.err());
        return result;
    }

    @Test void secondRunHitsAndChangesMiss() throws Exception {
        Path data = TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 12);
        assertFalse(train(data, null, "first").get("reference_cache_hit").asBoolean());
        assertTrue(train(data, null, "second").get("reference_cache_hit").asBoolean());

        Path moreData = TrainFixtures.dogPairs(tmp.resolve("more.jsonl"), 13);
        assertFalse(train(moreData, null, "data-changed").get("reference_cache_hit").asBoolean());

        // another model: the first run's trained weights (tokenizer carried along), so the checksum differs
        assertFalse(train(data, tmp.resolve("first/final"), "model-changed").get("reference_cache_hit").asBoolean());
        assertTrue(train(data, tmp.resolve("first/final"), "model-again").get("reference_cache_hit").asBoolean());
    }
}
