package org.jpo.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.bytedeco.javacpp.PointerScope;
import org.jpo.io.Jsonl;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.jpo.tensor.Tensors.item;
import static org.junit.jupiter.api.Assertions.*;

/**
 * One {@code jpo run} round with LoRA on stories260K: the round trains fresh adapters on the starting policy (its
 * reference, switched off), then merges them, so the round's checkpoint is a full model in which only the adapted
 * linears moved.
 */
class LoraLoopTest {
    @TempDir Path tmp;

    @Test void aRoundTrainsAdaptersAndMergesThemIntoItsCheckpoint() throws Exception {
        Path config = LoopFixtures.storiesConfig(tmp, "lora_r: 4", "lora_target_modules: [q_proj, v_proj, down_proj]");
        Path out = tmp.resolve("out");
        Cli.Result r = Cli.run("run", config.toString(), "output_dir=" + out, "rounds=1");
        assertEquals(0, r.exit(), r.toString());
        Path ckpt = out.resolve("round-001/checkpoint");
        assertTrue(Files.isRegularFile(ckpt.resolve("model.safetensors")), "the round's checkpoint is a full model");
        assertFalse(Files.exists(ckpt.resolve("adapter_config.json")));
        JsonNode manifest = Jsonl.JSON.readTree(out.resolve("round-001/manifest.json").toFile());
        // stories260K (5 layers, D 64, kv 32, F 172), r 4: q 4·(64+64), v 4·(64+32), down 4·(172+64) per layer
        assertEquals(5L * 4 * (128 + 96 + 236), manifest.get("trainable_parameters").longValue(), manifest.toString());
        try (Transformer base = Checkpoints.load(Shared.stories260K()); Transformer trained = Checkpoints.load(ckpt);
             PointerScope scope = new PointerScope()) {
            int moved = 0;
            for (var e : base.parameters().entrySet()) {
                double d = item(e.getValue().sub(trained.parameters().get(e.getKey())).abs().max());
                boolean adapted = e.getKey().matches(".*(q_proj|v_proj|down_proj)\\.weight");
                if (adapted && d > 0) moved++;
                if (!adapted) assertEquals(0.0, d, e.getKey() + " is not adapted and must not move");
            }
            assertEquals(15, moved, "every adapted linear moves once its adapter is merged");
        }
    }
}
