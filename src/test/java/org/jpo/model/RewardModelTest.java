package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.UserError;
import org.jpo.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The reward model: the head reads each row's last real token (checked against each row run alone and the
 * dot product taken in Java), HF-layout round trips, and the errors for directories that are not reward models.
 */
class RewardModelTest {
    static final ModelConfig LLAMA = ModelConfig.llama(40, 16, 2, 4, 2, 24, 32);
    /** Untied: the policy has an lm_head, which the reward model must drop. */
    static final ModelConfig LLAMA_UNTIED = new ModelConfig(ModelConfig.Family.LLAMA, "llama", 40, 16, 1, 2, 2, 8, 24, 32,
            1e-5, 10000, ModelConfig.RopeScaling.NONE, false, false, false, "silu", OptionalInt.of(1), OptionalInt.of(2));
    static final ModelConfig GPT2 = ModelConfig.gpt2(40, 24, 2, 3, 32);

    static final List<int[]> PROMPTS = List.of(new int[] {1, 5, 6}, new int[] {1}, new int[] {1, 9, 9, 9, 3});
    static final List<int[]> COMPLETIONS = List.of(new int[] {11, 12}, new int[] {20, 21, 22, 23, 24, 25}, new int[] {30});

    @TempDir Path tmp;

    static Path resource(String name) {
        try {
            return Path.of(RewardModelTest.class.getResource("/tokenizers/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test void batchRecordsPromptLengthsAndTotalLengths() {
        try (PointerScope scope = new PointerScope()) {
            SequenceBatch b = SequenceBatch.of(PROMPTS, COMPLETIONS, 0);
            assertArrayEquals(new int[] {3, 1, 5}, b.promptLens());
            assertArrayEquals(new int[] {2, 6, 1}, b.completionLens());
            assertArrayEquals(new int[] {5, 7, 6}, b.lengths());
        }
    }

    @Test void llamaRewardIsTheHeadAtTheLastRealTokenOfEachRowAlone() { checkAgainstRowsAlone(LLAMA); }

    @Test void gpt2RewardIsTheHeadAtTheLastRealTokenOfEachRowAlone() { checkAgainstRowsAlone(GPT2); }

    /** Each row unpadded through the backbone, its final hidden state dotted with the head in double precision. */
    private static void checkAgainstRowsAlone(ModelConfig config) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard();
             Transformer base = Transformer.random(config, 11); RewardModel rm = RewardModel.fromPolicy(base, 12)) {
            float[] head = toFloats(rm.head());
            double[] got = toDoubles(rm.rewards(SequenceBatch.of(PROMPTS, COMPLETIONS, 37)));   // pad with an arbitrary id
            for (int i = 0; i < PROMPTS.size(); i++) {
                int[] p = PROMPTS.get(i), c = COMPLETIONS.get(i);
                long[] ids = new long[p.length + c.length];
                for (int j = 0; j < p.length; j++) ids[j] = p[j];
                for (int j = 0; j < c.length; j++) ids[p.length + j] = c[j];
                Tensor hidden = base.hidden(longs(ids, 1, ids.length));                              // [1,L,D]
                float[] last = toFloats(hidden.select(1, ids.length - 1));
                double expected = 0;
                for (int d = 0; d < head.length; d++) expected += (double) last[d] * head[d];
                assertEquals(expected, got[i], 1e-5 * Math.max(1, Math.abs(expected)), "row " + i);
            }
        }
    }

    @Test void headIsSeededAndDrawnFromNormalWithVarianceOneOverDPlusOne() {
        ModelConfig wide = ModelConfig.llama(8, 512, 1, 4, 4, 8, 8);
        try (PointerScope scope = new PointerScope(); Transformer base = Transformer.random(wide, 1);
             RewardModel a = RewardModel.fromPolicy(base, 7); RewardModel b = RewardModel.fromPolicy(base, 7);
             RewardModel c = RewardModel.fromPolicy(base, 8)) {
            assertArrayEquals(new long[] {1, 512}, sizes(a.head()));
            assertTrue(a.head().equal(b.head()), "same seed, different head");
            assertFalse(a.head().equal(c.head()), "different seeds, same head");
            double[] w = toDoubles(a.head());
            double mean = 0, sq = 0;
            for (double v : w) { mean += v / w.length; sq += v * v / w.length; }
            // 512 draws: the sample variance is within ±6.3% (1 s.e.) of 1/513; the mean within 0.0019 (1 s.e.)
            assertEquals(1.0 / 513, sq, 0.25 / 513, "variance");
            assertEquals(0, mean, 0.01, "mean");
        }
    }

    @Test void fromPolicyCopiesTheBackboneAndDropsAnUntiedLmHead() {
        try (PointerScope scope = new PointerScope(); Transformer base = Transformer.random(LLAMA_UNTIED, 3);
             RewardModel rm = RewardModel.fromPolicy(base, 4)) {
            assertTrue(base.parameters().containsKey("lm_head.weight"));
            assertFalse(rm.parameters().containsKey("lm_head.weight"));
            assertEquals(RewardModel.HEAD, rm.parameterNames().get(rm.parameterNames().size() - 1));
            assertEquals(base.numParameters() - 40 * 16 + 16, rm.numParameters());
            assertEquals(LLAMA_UNTIED, rm.config());
            Tensor before = base.parameters().get("model.norm.weight").clone();
            try (NoGradGuard g = new NoGradGuard()) {
                rm.parameters().get("model.norm.weight").add_(s(1));
            }
            assertTrue(before.equal(base.parameters().get("model.norm.weight")), "training the reward model moved the policy");
        }
    }

    @Test void gradientReachesTheHeadAndTheBackbone() {
        try (PointerScope scope = new PointerScope(); Transformer base = Transformer.random(LLAMA, 5);
             RewardModel rm = RewardModel.fromPolicy(base, 6)) {
            rm.trainable(true);
            rm.rewards(SequenceBatch.of(PROMPTS, COMPLETIONS, 0)).sum().backward();
            for (var e : rm.parameters().entrySet()) {
                Tensor grad = e.getValue().grad();
                assertTrue(grad.defined() && item(grad.abs().sum()) > 0, "no gradient reached " + e.getKey());
            }
        }
    }

    @Test void llamaSaveLoadIsBitIdenticalAndCarriesTheTokenizer() throws Exception {
        roundTrip(LLAMA_UNTIED, "LlamaForSequenceClassification");
    }

    @Test void gpt2SaveLoadIsBitIdentical() throws Exception {
        roundTrip(GPT2, "GPT2ForSequenceClassification");
    }

    private void roundTrip(ModelConfig config, String architecture) throws Exception {
        List<Path> tokFiles = List.of(resource("template/tokenizer.json"), resource("template/tokenizer_config.json"));
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard();
             Transformer base = Transformer.random(config, 8); RewardModel rm = RewardModel.fromPolicy(base, 9)) {
            Path dir = tmp.resolve("rm"), again = tmp.resolve("rm-again");
            rm.save(dir, tokFiles);
            String json = Files.readString(dir.resolve("config.json"));
            assertTrue(json.contains("\"" + architecture + "\"") && json.contains("\"num_labels\" : 1"), json);
            for (Path f : tokFiles) assertEquals(Files.readString(f), Files.readString(dir.resolve(f.getFileName())));
            assertFalse(SafeTensors.read(dir.resolve("model.safetensors")).containsKey("lm_head.weight"));
            try (RewardModel back = RewardModel.load(dir)) {
                assertEquals(config, back.config());
                assertEquals(rm.parameterNames(), back.parameterNames());
                for (String name : rm.parameterNames()) assertTrue(rm.parameters().get(name).equal(back.parameters().get(name)), name);
                SequenceBatch batch = SequenceBatch.of(PROMPTS, COMPLETIONS, 0);
                assertTrue(rm.rewards(batch).equal(back.rewards(batch)), "rewards differ after the round trip");
                back.save(again, Checkpoints.tokenizerFilesIn(dir));
            }
            assertArrayEquals(Files.readAllBytes(dir.resolve("model.safetensors")), Files.readAllBytes(again.resolve("model.safetensors")));
            assertEquals(json, Files.readString(again.resolve("config.json")));
        }
    }

    @Test void hfConfigWithOnlyId2LabelLoads() throws Exception {
        Path dir = savedRewardModel();
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"num_labels\" : 1,", ""));
        assertFalse(Files.readString(config).contains("num_labels"));
        try (RewardModel back = RewardModel.load(dir)) {
            assertEquals(LLAMA, back.config());
        }
    }

    @Test void aLanguageModelDirectoryIsNotARewardModel() {
        try (PointerScope scope = new PointerScope(); Transformer m = Transformer.random(LLAMA, 1)) {
            Path dir = tmp.resolve("policy");
            Checkpoints.save(m, dir, List.of());
            UserError e = assertThrows(UserError.class, () -> RewardModel.load(dir));
            assertTrue(e.getMessage().contains("is not a reward model") && e.getMessage().contains("[LlamaForCausalLM]"), e.getMessage());
        }
    }

    @Test void aRewardModelDirectoryIsNotALanguageModel() throws Exception {
        Path dir = savedRewardModel();
        UserError e = assertThrows(UserError.class, () -> Checkpoints.load(dir));
        assertTrue(e.getMessage().contains("is a reward model (LlamaForSequenceClassification)"), e.getMessage());
    }

    @Test void twoLabelsAreRejected() throws Exception {
        Path dir = savedRewardModel();
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"num_labels\" : 1", "\"num_labels\" : 2"));
        UserError e = assertThrows(UserError.class, () -> RewardModel.load(dir));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("'num_labels' is 2, expected 1"), e.getMessage());
    }

    @Test void missingOrMisshapenHeadIsNamed() throws Exception {
        Path dir = savedRewardModel();
        Path weights = dir.resolve("model.safetensors");
        LinkedHashMap<String, Tensor> raw = SafeTensors.read(weights);
        try (PointerScope scope = new PointerScope()) {
            raw.put(RewardModel.HEAD, org.bytedeco.pytorch.global.torch.zeros(2, 16));
            SafeTensors.write(weights, raw, Map.of());
            UserError e = assertThrows(UserError.class, () -> RewardModel.load(dir));
            assertTrue(e.getMessage().contains("'score.weight' has shape [2, 16], expected [1, 16]"), e.getMessage());
            raw.remove(RewardModel.HEAD);
            SafeTensors.write(weights, raw, Map.of());
            e = assertThrows(UserError.class, () -> RewardModel.load(dir));
            assertTrue(e.getMessage().contains("no tensor 'score.weight'"), e.getMessage());
        } finally {
            raw.values().forEach(Tensor::close);
        }
    }

    @Test void fileAndMissingPathsAreNamed() throws Exception {
        Path file = Files.writeString(tmp.resolve("model.bin"), "x");
        UserError e = assertThrows(UserError.class, () -> RewardModel.load(file));
        assertTrue(e.getMessage().contains(file + " is a file"), e.getMessage());
        e = assertThrows(UserError.class, () -> RewardModel.load(tmp.resolve("nowhere")));
        assertTrue(e.getMessage().contains("reward model not found: " + tmp.resolve("nowhere")), e.getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        e = assertThrows(UserError.class, () -> RewardModel.load(empty));
        assertTrue(e.getMessage().contains("no config.json"), e.getMessage());
    }

    private Path savedRewardModel() {
        Path dir = tmp.resolve("saved");
        try (PointerScope scope = new PointerScope(); Transformer base = Transformer.random(LLAMA, 2);
             RewardModel rm = RewardModel.fromPolicy(base, 3)) {
            rm.save(dir, List.of());
        }
        return dir;
    }
}
