package org.jpo.train;

import org.jpo.data.DataOptions;
import org.jpo.data.Datasets;
import org.jpo.data.PairExample;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.model.Checkpoints;
import org.jpo.model.LogProbs;
import org.jpo.model.SequenceBatch;
import org.jpo.model.Transformer;
import org.jpo.sampling.Completion;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.SamplingParams;
import org.jpo.tensor.Natives;
import org.jpo.testing.Cli;
import org.jpo.testing.Shared;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.jpo.tensor.Tensors.toDoubles;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The acceptance experiment on the real stories260K model: a preference set built from the model's own
 * stories, labelled by a rule (chosen = a story that mentions a park, rejected = one that does not), trained with
 * {@code jpo train}. Each method must rank held-out pairs right above 90% of the time, on the eval set the
 * settings below were tuned on and on a second set of fresh stories (another sampling seed) that tuning never saw,
 * and make fresh sampled and greedy stories satisfy the rule measurably more often. A pair is ranked right when the
 * method's implicit reward margin is > 0, which the test computes from the trained (and reference) weights, not
 * from the trainer's metrics: the chosen story gains more log-probability over the reference than the rejected
 * one (per token for ipo, whose loss reads per-token log-ratios), and for the reference-free simpo, the chosen
 * story has the higher per-token log-probability (SimPO's reward β·π̄, arXiv:2405.14734). The reference-relative
 * accuracy of simpo is printed too: it optimizes no such margin, and ranks 0.94 / 0.88 of the pairs right by it.
 *
 * <p>Why "park": among this model's 32-token stories it appears in ~9%, which gives ~550 distinct chosen stories
 * from 6,144 samples and ~190 held-out pairs from 2,048; "dog" is rarer and would need a larger generation budget.
 * Stories are sampled from BOS: every sample is a different story, which is what lets the policy learn the rule
 * rather than memorise pairs (with 18 shared openings held-out accuracy stalled at 0.85), and more of them is what
 * makes every method's accuracy hold across batch-order seeds (with 1,536 stories of 48 tokens, sigmoid at these
 * settings ranked 0.86–0.90 of held-out pairs; with these stories, 0.98–0.995 over seeds 0–4). 32 tokens rather
 * than 48: a pair carries fewer tokens unrelated to the rule, and the same budget buys more distinct stories.
 *
 * <p>The run uses one thread: two OpenBLAS threads on a machine where other work holds a core made sampling
 * 30 times slower here, and this model is too small to gain from a second thread.
 */
class TrainOnOwnGenerationsTest {
    static final String RULE = "park";
    /** The batch order the settings are graded at; -Djpo.acceptance.seed=S re-checks them at another one. */
    static final long BATCH_ORDER_SEED = Long.getLong("jpo.acceptance.seed", 0);
    @TempDir static Path tmp;
    static Path model, tokenizer, train, eval, unseen;
    /** Held-out pairs tokenized as the trainer tokenizes them, and the reference's margins ({@link #margins}). */
    static List<PairExample> evalPairs, unseenPairs;
    static double[][] evalRef, unseenRef;
    static Transformer base;
    static Tokenizer tok;
    static double baseSampledRate;
    static int baseGreedy;
    static List<int[]> openings;
    static int threadsBefore;

    @BeforeAll static void buildPreferenceData() throws Exception {
        model = Shared.stories260K();
        tokenizer = Shared.tok512();
        threadsBefore = Natives.blasThreads();
        Natives.threads(1);
        System.setProperty("jpo.cache.dir", tmp.resolve("cache").toString());
        base = Checkpoints.load(model);
        tok = Tokenizers.require(model, Optional.of(tokenizer));
        List<String> trainStories = stories(base, 6144, 32, 31), evalStories = stories(base, 2048, 32, 32);
        train = StoryPairs.write(tmp.resolve("train.jsonl"), trainStories, RULE, 2);
        eval = StoryPairs.write(tmp.resolve("eval.jsonl"), evalStories, RULE, 1);
        unseen = StoryPairs.write(tmp.resolve("unseen.jsonl"), stories(base, 1024, 32, 1033), RULE, 1);
        evalPairs = pairs(eval);
        unseenPairs = pairs(unseen);
        evalRef = margins(base, evalPairs);
        unseenRef = margins(base, unseenPairs);
        openings = new ArrayList<>();
        for (String s : evalStories.subList(0, 64)) {
            String[] words = s.split(" ");
            openings.add(tok.encode(String.join(" ", java.util.Arrays.copyOf(words, Math.min(12, words.length))), true));
        }
        baseSampledRate = sampledRate(base);
        baseGreedy = greedyCount(base);
    }

    @AfterAll static void free() {
        if (base == null) return;   // skipped: the shared model is missing
        base.close();
        tok.close();
        System.clearProperty("jpo.cache.dir");
        Natives.threads(threadsBefore);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // rates below where the policy's own samples collapse (likelihood displacement: held-out pairs still
            // ranked right, samples "upon upon upon"); with half the stories, sigmoid at 1e-3 collapsed on 2 of 3 seeds
            "sigmoid       | method: dpo\\nloss_type: sigmoid\\nbeta: 0.5\\nlearning_rate: 0.0005\\nnum_train_epochs: 1",
            // ipo's target is a per-token log-ratio margin of 1/(2β): β = 0.1 asks for 5 nats a token and collapses
            "ipo           | method: dpo\\nloss_type: ipo\\nbeta: 0.5\\nlearning_rate: 0.0005\\nnum_train_epochs: 1",
            // simpo's loss fades only once β·margin − γ passes ~3: a per-token margin of ~1.75 nats at β = 2,
            // γ = 0.5, which the reference-free policy reaches by wrecking its own stories; ~0.4 at β = 10, γ = 1
            "simpo         | method: dpo\\nloss_type: simpo\\nbeta: 10.0\\nsimpo:\\n  gamma: 1.0\\nlearning_rate: 0.0003\\nnum_train_epochs: 1",
            // every prompt is BOS, so the batch KL estimate is the batch's own mean log-ratio, which falls and clamps
            // to 0: β alone bounds how far rows are pushed (at β = 0.05 the greedy gain shrank to +11)
            "kto           | method: kto\\nloss_type: kto\\nbeta: 0.1\\nlearning_rate: 0.001\\nnum_train_epochs: 1",
            // RPO's NLL term keeps the chosen stories likely, so it takes a larger step
            "sigmoid + sft | method: dpo\\nloss_type: [sigmoid, sft]\\nloss_weights: [1.0, 0.2]\\nbeta: 0.1\\nlearning_rate: 0.002\\nnum_train_epochs: 1",
            // LoRA r 8, α 16 on every linear (the base frozen, reference = adapters off): 4x sigmoid's rate; at 5e-3 the
            // greedy stories collapsed on one of two runs (33 -> 17), and at 1e-2 with r 16 on PEFT's default q_proj,
            // v_proj the samples collapsed (greedy 33 -> 0) though pairs ranked 0.98
            "sigmoid lora  | method: dpo\\nloss_type: sigmoid\\nbeta: 0.5\\nlearning_rate: 0.002\\nnum_train_epochs: 1\\nlora_r: 8\\nlora_alpha: 16\\nlora_target_modules: all-linear"})
    void learnsTheRuleFromItsOwnRuleLabelledGenerations(String name, String settings) throws Exception {
        Path out = tmp.resolve(name.replaceAll("\\W+", "-"));
        Path config = tmp.resolve(out.getFileName() + ".yaml");
        // eval_steps past the end: one evaluation, of the final policy, which is the one the test reads
        Files.writeString(config, settings.replace("\\n", "\n") + "\nmodel: " + model + "\ntokenizer: " + tokenizer
                + "\ntrain_file: " + train + "\neval_file: " + eval + "\noutput_dir: " + out
                + "\nper_device_train_batch_size: 8\nmax_length: 128\nmax_prompt_length: 64"
                + "\nlogging_steps: 10\neval_steps: 100000\nsave_steps: 100000\nseed: " + BATCH_ORDER_SEED + "\n");
        Cli.Result r = Cli.run("train", config.toString());
        assertEquals(0, r.exit(), r.toString());
        try (Transformer trained = Checkpoints.load(out.resolve("final"))) {
            Margin margin = name.equals("simpo") ? Margin.PER_TOKEN : name.equals("ipo") ? Margin.PER_TOKEN_RATIO : Margin.RATIO;
            double accuracy = accuracy(trained, evalPairs, evalRef, margin), unseenAccuracy = accuracy(trained, unseenPairs, unseenRef, margin);
            double rate = sampledRate(trained);
            int greedy = greedyCount(trained);
            long trainable = org.jpo.io.Jsonl.JSON.readTree(r.out()).get("trainable_parameters").longValue();
            String report = String.format("%s: held-out accuracy %.3f (%d pairs), unseen %.3f (%d pairs); sampled rate %.3f -> %.3f; greedy %d -> %d of %d; "
                    + "trainable parameters %,d", name, accuracy, evalPairs.size(), unseenAccuracy, unseenPairs.size(), baseSampledRate, rate, baseGreedy,
                    greedy, openings.size(), trainable);
            if (margin == Margin.PER_TOKEN) {
                report += String.format(" (by log-ratio over the reference: %.3f, unseen %.3f)", accuracy(trained, evalPairs, evalRef, Margin.RATIO),
                        accuracy(trained, unseenPairs, unseenRef, Margin.RATIO));
            }
            System.out.println(report);
            assertTrue(accuracy > 0.9, report);
            assertTrue(unseenAccuracy > 0.9, report);
            assertTrue(rate >= baseSampledRate + 0.15, report);
            assertTrue(greedy >= baseGreedy + 5, report);
        }
    }

    static List<String> stories(Transformer m, int n, int tokens, long seed) { return StoryPairs.stories(m, tok, n, tokens, seed); }

    static double sampledRate(Transformer m) {
        List<String> s = stories(m, 256, 48, 77);
        return s.stream().filter(x -> x.contains(RULE)).count() / (double) s.size();
    }

    static int greedyCount(Transformer m) {
        List<Prompt> prompts = new ArrayList<>();
        for (int[] ids : openings) prompts.add(new Prompt(prompts.size(), ids));
        List<Completion> out = new LocalSampler(m, Set.of(1, 2), 64).sample(prompts, SamplingParams.greedy(32));
        return (int) out.stream().filter(c -> tok.decodeContinuation(openings.get(c.promptIndex()), c.tokenIds()).contains(RULE)).count();
    }

    static List<PairExample> pairs(Path file) {
        // the same token sequences the trainer sees: joint tokenization after BOS, EOS appended
        return Datasets.paired(file, tok, Optional.empty(), new DataOptions(128, 64, DataOptions.OnBadRow.ERROR), null).examples();
    }

    /** Implicit reward margins: (π⁺ − r⁺) − (π⁻ − r⁻), the same per token, or π̄⁺ − π̄⁻ (no reference). */
    enum Margin { RATIO, PER_TOKEN_RATIO, PER_TOKEN }

    /** Fraction of pairs whose margin is > 0. */
    static double accuracy(Transformer trained, List<PairExample> pairs, double[][] refMargins, Margin margin) {
        int k = margin == Margin.RATIO ? 0 : 1;
        double[] pol = margins(trained, pairs)[k];
        int right = 0;
        for (int i = 0; i < pairs.size(); i++) if (pol[i] - (margin == Margin.PER_TOKEN ? 0 : refMargins[k][i]) > 0) right++;
        return right / (double) pairs.size();
    }

    /** Per pair under {@code m}: {π⁺ − π⁻, π⁺/|y⁺| − π⁻/|y⁻|}, as two arrays; 16 pairs to a forward. */
    static double[][] margins(Transformer m, List<PairExample> pairs) {
        double[][] out = new double[2][pairs.size()];
        for (int from = 0; from < pairs.size(); from += 16) {
            List<PairExample> batch = pairs.subList(from, Math.min(pairs.size(), from + 16));
            List<int[]> prompts = new ArrayList<>(), completions = new ArrayList<>();
            for (PairExample e : batch) {
                prompts.addAll(List.of(e.prompt(), e.prompt()));
                completions.addAll(List.of(e.chosen(), e.rejected()));
            }
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                double[] lp = toDoubles(LogProbs.of(m, SequenceBatch.of(prompts, completions, 0)).sum());
                for (int i = 0; i < batch.size(); i++) {
                    PairExample e = batch.get(i);
                    out[0][from + i] = lp[2 * i] - lp[2 * i + 1];
                    out[1][from + i] = lp[2 * i] / e.chosen().length - lp[2 * i + 1] / e.rejected().length;
                }
            }
        }
        return out;
    }
}
