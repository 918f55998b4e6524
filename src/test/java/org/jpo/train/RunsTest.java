package org.jpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What {@link Runs#prepare} leaves behind: the reference cache where it is told, and data_stats.json. */
class RunsTest {
    @TempDir Path tmp;

    @AfterEach void restore() { System.clearProperty("jpo.cache.dir"); }

    private Run<?> prepare(Path config, Path cacheDir) {
        Run<?> run = Runs.prepare(TrainConfig.load(config, List.of()), Optional.empty(), cacheDir);
        run.objective().close();
        return run;
    }

    @Test void referenceLogpsAreCachedInTheGivenDirectory() throws IOException {
        Path fallback = tmp.resolve("default-cache");
        System.setProperty("jpo.cache.dir", fallback.toString());   // what jpo train would use: must stay untouched
        Path data = TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 8);
        Path config = TrainFixtures.config(tmp.resolve("a.yaml"), data, tmp.resolve("out"), "max_steps: 1\n");
        Path given = tmp.resolve("given");

        assertFalse(prepare(config, given).referenceCacheHit());
        assertEquals(1, files(given.resolve(ReferenceLogps.SUBDIR)).size(), "one cache file in " + given);
        assertFalse(Files.exists(fallback), "the default cache directory was used");
        assertTrue(prepare(config, given).referenceCacheHit(), "the second run did not read the given directory");
        assertFalse(prepare(config, tmp.resolve("elsewhere")).referenceCacheHit(), "another directory is another cache");

        assumeTrue(System.getenv("JPO_CACHE_DIR") == null, "JPO_CACHE_DIR is set");
        assertEquals(fallback, Runs.defaultCacheDir());
        System.clearProperty("jpo.cache.dir");
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "jpo"), Runs.defaultCacheDir());
    }

    /** Train: 5 plain rows, one with a long prompt, one with a long chosen, and two bad rows (an empty chosen, no rejected). */
    @Test void dataStatsAreWrittenPerSplit() throws IOException {
        List<ObjectNode> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) rows.add(pair("Once upon a time " + i, " dog.", " cat."));
        rows.add(pair("The dog ran to the park and".repeat(6), " dog.", " cat."));
        rows.add(pair("Tom had a little", " dog and a ball and".repeat(15), " cat."));
        rows.add(pair("One day", "", " cat."));
        Path train = tmp.resolve("train.jsonl");
        Jsonl.write(train, rows);
        Files.writeString(train, Files.readString(train) + "{\"prompt\": \"no rejected\", \"chosen\": \" dog.\"}\n");
        Path eval = tmp.resolve("eval.jsonl");
        Jsonl.write(eval, List.of(pair("Sam wanted a", " dog.", " fish."), pair("The girl found a", " dog.", " frog.")));
        Path out = tmp.resolve("out");
        System.setProperty("jpo.cache.dir", tmp.resolve("cache").toString());
        prepare(TrainFixtures.config(tmp.resolve("a.yaml"), train, out, "on_bad_row: skip\neval_file: " + eval + "\n"), tmp.resolve("cache"));

        JsonNode stats = Jsonl.JSON.readTree(out.resolve(Runs.DATA_STATS).toFile());
        assertEquals(List.of("train", "eval"), names(stats));
        JsonNode t = stats.get("train");
        assertEquals(train.toString(), t.get("file").asText());
        assertEquals(9, t.get("rows").asInt());
        assertEquals(7, t.get("examples").asInt());
        assertEquals(1, t.get("truncated_prompts").asInt());
        assertEquals(1, t.get("truncated_completions").asInt());
        assertEquals(0, t.get("dropped_empty").asInt());
        assertEquals(2, t.get("skipped_bad").asInt());
        assertEquals(out.resolve("rejects-train.jsonl").toString(), t.get("rejects_file").asText());
        JsonNode e = stats.get("eval");
        assertEquals(eval.toString(), e.get("file").asText());
        assertEquals(2, e.get("rows").asInt());
        assertEquals(2, e.get("examples").asInt());
        assertEquals(0, e.get("skipped_bad").asInt());

        // eval_fraction: the eval split is carved out of the train file, and the stats say how many
        Path split = tmp.resolve("split");
        prepare(TrainFixtures.config(tmp.resolve("b.yaml"), train, split, "on_bad_row: skip\neval_fraction: 0.3\n"), tmp.resolve("cache"));
        stats = Jsonl.JSON.readTree(split.resolve(Runs.DATA_STATS).toFile());
        assertEquals(7, stats.get("train").get("examples").asInt());
        assertEquals(2, stats.get("train").get("held_out_for_eval").asInt());   // round(0.3 × 7)
        assertEquals(train.toString(), stats.get("eval").get("file").asText());
        assertEquals(0.3, stats.get("eval").get("eval_fraction").asDouble());
        assertEquals(2, stats.get("eval").get("examples").asInt());
    }

    private static ObjectNode pair(String prompt, String chosen, String rejected) {
        return Jsonl.JSON.createObjectNode().put("prompt", prompt).put("chosen", chosen).put("rejected", rejected);
    }

    private static List<String> names(JsonNode o) {
        List<String> n = new ArrayList<>();
        o.fieldNames().forEachRemaining(n::add);
        return n;
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
