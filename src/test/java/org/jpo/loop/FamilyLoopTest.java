package org.jpo.loop;

import org.jpo.io.Jsonl;
import org.jpo.model.Checkpoints;
import org.jpo.model.ModelConfig;
import org.jpo.model.Transformer;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.*;

/** One round of {@code jpo run} on a random small model of each family jpo reads beyond llama2.c's: sampled, scored, trained, saved. */
class FamilyLoopTest {
    @TempDir Path tmp;

    @Test void oneRoundOnARandomQwen3() throws Exception {
        var qwen3 = new ModelConfig(ModelConfig.Family.LLAMA, "qwen3", 512, 32, 2, 4, 2, 16, 48, 128, 1e-6, 1e6,
                ModelConfig.RopeScaling.NONE, true, false, false, "silu", OptionalInt.of(1), OptionalInt.of(2));
        Path policy = tmp.resolve("qwen3");
        String initial;
        try (Transformer m = Transformer.random(qwen3, 4)) {
            Checkpoints.save(m, policy, List.of());
            initial = m.checksum();
        }
        Path config = LoopFixtures.storiesConfig(tmp);
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run("run", config.toString(), "output_dir=" + out, "rounds=1", "policy=" + policy,
                "feedback=[{type: regex, pattern: 'e.*e.*e'}]");   // random text: some samples have three e's, some not
        assertEquals(0, r.exit(), r.toString());
        assertEquals(12 * 4, Jsonl.read(out.resolve("round-001/samples.jsonl")).size());
        try (Transformer trained = Checkpoints.load(out.resolve("round-001/checkpoint"))) {
            assertEquals(qwen3, trained.config());
            assertTrue(trained.parameters().containsKey("model.layers.1.self_attn.k_norm.weight"));
            assertNotEquals(initial, trained.checksum(), "the round trained the policy");
        }
    }
}
