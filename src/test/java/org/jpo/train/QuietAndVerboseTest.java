package org.jpo.train;

import org.jpo.testing.Cli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** What {@code jpo train} prints on standard error by default, with {@code --verbose} and with {@code --quiet}. */
class QuietAndVerboseTest {
    @TempDir Path tmp;

    @BeforeEach void isolatedCache() { System.setProperty("jpo.cache.dir", tmp.resolve("cache").toString()); }

    @AfterEach void restore() { System.clearProperty("jpo.cache.dir"); }

    private Cli.Result train(String name, String... flags) throws Exception {
        Path cfg = TrainFixtures.config(tmp.resolve(name + ".yaml"), tmp.resolve("pairs.jsonl"), tmp.resolve(name),
                "max_steps: 2\nper_device_train_batch_size: 4\nsave_steps: 100\nlogging_steps: 1\n");
        String[] args = Stream.concat(Stream.of(flags), Stream.of("train", cfg.toString())).toArray(String[]::new);
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("\"final_model\""), "the result, in every mode: " + r);
        return r;
    }

    @Test void plainLinesByDefaultLoggerNamesWithVerboseOnlyWarningsWithQuiet() throws Exception {
        TrainFixtures.dogPairs(tmp.resolve("pairs.jsonl"), 12);

        String plain = train("plain").err();
        assertTrue(plain.contains("pairs.jsonl: 12 rows → 12 examples"), plain);   // an info line
        assertTrue(plain.contains("train 2/2 steps (100%)"), plain);               // the bar's last line (off a terminal)
        for (String name : new String[] {"org.jpo.", "[main]", " INFO ", " DEBUG "}) assertFalse(plain.contains(name), name + " in:\n" + plain);
        assertFalse(plain.contains("trainable parameters"), "debug shown by default:\n" + plain);

        String verbose = train("verbose", "--verbose").err();
        assertTrue(verbose.contains("[main] INFO org.jpo.train.Runs - " + tmp.resolve("pairs.jsonl") + ": 12 rows"), verbose);
        assertTrue(verbose.contains("[main] DEBUG org.jpo.train.Trainer - trainable parameters: "), verbose);

        // a cache file cut after its header: the run warns and recomputes
        Path cache;
        try (Stream<Path> s = Files.list(tmp.resolve("cache/reference-logps"))) {
            cache = s.filter(p -> p.toString().endsWith(".bin")).findFirst().orElseThrow();
        }
        try (FileChannel c = FileChannel.open(cache, StandardOpenOption.WRITE)) {
            c.truncate(8);
        }
        String quiet = train("quiet", "--quiet").err();
        assertEquals("warning: reference log-prob cache " + cache + " unreadable, recomputing: java.io.EOFException", quiet.strip());
    }
}
