package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.sampling.Completion;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.SamplingParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Sliding-window layers keep only their window in the KV cache, in a ring: decoding through it, with rows joining and
 * leaving a continuous batch, gives every token the log-prob the full forward without a cache gives it.
 */
class SlidingWindowCacheTest {
    @TempDir Path tmp;

    @Test void slidingLayersHoldTheirWindowOnly() throws Exception {
        try (Transformer m = Transformer.random(gemma2(), 1); KvCache cache = m.newCache(2, 64)) {
            assertEquals(List.of(4, 64, 4, 64), List.of(cache.columnsHeld(0), cache.columnsHeld(1), cache.columnsHeld(2), cache.columnsHeld(3)));
            cache.grow(1, 128);
            assertEquals(List.of(4, 128), List.of(cache.columnsHeld(0), cache.columnsHeld(1)));
        }
        try (Transformer m = Transformer.random(gemma2(), 1); KvCache small = m.newCache(2, 3)) {   // below the window
            assertEquals(3, small.columnsHeld(0));
            small.grow(0, 10);
            assertEquals(List.of(4, 10), List.of(small.columnsHeld(0), small.columnsHeld(1)));
        }
    }

    @Test void decodingThroughTheRingsMatchesTheFullForward() throws Exception {
        // the last: a window longer than the cache, whose rings then grow with it and never wrap
        String wide = FamilyConfigs.GEMMA2.replace("\"sliding_window\": 4", "\"sliding_window\": 60");
        for (String json : List.of(FamilyConfigs.GEMMA2, FamilyConfigs.GEMMA3, FamilyConfigs.PHI3, wide)) {
            ModelConfig config = ModelConfig.read(Files.writeString(tmp.resolve("config.json"), json));
            try (Transformer m = Transformer.random(config, 2)) {
                ModelFamiliesTest.spreadNorms(m, 2);
                List<Prompt> prompts = new ArrayList<>();
                for (int i = 0; i < 7; i++) {   // lengths 1..13 around the windows (4, 5, 6)
                    int[] ids = new int[1 + 2 * i];
                    for (int t = 0; t < ids.length; t++) ids[t] = (7 * i + 3 * t + 1) % config.vocabSize();
                    prompts.add(new Prompt(i, ids));
                }
                // two rows at a time, stopping at different steps: rows leave, idle slots shrink away, new prompts join
                List<Completion> out = new LocalSampler(m, Set.of(0, 1, 2, 3, 4, 5, 6, 7), 2).with(LocalSampler.Decoder.TORCH)
                        .sample(prompts, new SamplingParams(2, 24, 1.0, 0, 1.0, false, 5));
                assertEquals(14, out.size());
                assertTrue(out.stream().mapToInt(c -> c.tokenIds().length).distinct().count() > 3, "rows finish at different steps");
                double worst = 0;
                for (Completion c : out) worst = Math.max(worst, maxLogpGap(m, prompts.get(c.promptIndex()).ids(), c));
                assertTrue(worst < 1e-5, config.modelType() + ": a sampled token's log-prob is " + worst + " from the full forward's");
            }
        }
    }

    private ModelConfig gemma2() throws Exception {
        return ModelConfig.read(Files.writeString(tmp.resolve("config.json"), FamilyConfigs.GEMMA2));
    }

    /** The largest |log p| difference between the sampler's record and a full forward of prompt + completion. */
    private static double maxLogpGap(Transformer m, int[] prompt, Completion c) {
        int[] all = new int[prompt.length + c.tokenIds().length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(c.tokenIds(), 0, all, prompt.length, c.tokenIds().length);
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Tensor logp = m.logits(m.hidden(longs(Arrays.stream(all).asLongStream().toArray(), 1, all.length))).log_softmax(-1);   // [1,T,V]
            float[] flat = toFloats(logp);
            int v = m.config().vocabSize();
            double worst = 0;
            for (int i = 0; i < c.tokenIds().length; i++) {
                int at = prompt.length - 1 + i;
                worst = Math.max(worst, Math.abs(flat[at * v + c.tokenIds()[i]] - c.tokenLogps()[i]));
            }
            return worst;
        }
    }
}
