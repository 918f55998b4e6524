package org.jpo.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.pytorch.Tensor;
import org.jpo.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A general pairwise preference model P(y ≻ y′ | x), which need not be transitive: a classifier on (prompt, y, y′),
 * the model NLHF learns instead of a reward (Munos et al., arXiv:2312.00886: "conditioned on two inputs given a
 * prompt"; PairRM, arXiv:2306.02561, likewise encodes the two candidates together). The sequence
 * {@code x ⊕ y ⊕ s ⊕ y′} (s a separator token) goes through the transformer, and a scalar head at its last token
 * gives g(x, y, y′) — the {@link RewardModel} machinery on the joined sequence. Then
 *
 * <pre>P(y ≻ y′ | x) = σ(g(x, y, y′) − g(x, y′, y))</pre>
 *
 * The logit d(y, y′) = g(x, y, y′) − g(x, y′, y) is antisymmetric by construction, d(y′, y) = −d(y, y′), so
 * P(y ≻ y′) + P(y′ ≻ y) = 1 exactly, whatever the weights, and P(y ≻ y) = ½. Nothing makes it transitive: three
 * completions may beat each other in a cycle, which no reward r(x, y) can express (a Bradley–Terry fit orders them;
 * GPM, arXiv:2410.02197, shows its cyclic accuracy at chance).
 *
 * <p>On disk: the reward model layout (config.json naming a {@code *ForSequenceClassification} with one label,
 * model.safetensors, tokenizer files) plus {@value #FILE}, which says that the head reads a pair and names the
 * separator. A reward model loader refuses the directory, and this one a reward model without the file.
 *
 * <p>Ownership: this object owns its weights; {@link #close()} frees them.
 */
public final class PreferenceModel implements AutoCloseable {
    /** The file that makes a classifier directory a preference model. */
    public static final String FILE = "preference_model.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RewardModel g;
    private final int separator;

    private PreferenceModel(RewardModel g, int separator) {
        if (separator < 0 || separator >= g.config().vocabSize()) {
            g.close();
            throw new UserError("separator token " + separator + " is outside the model's vocabulary of " + g.config().vocabSize());
        }
        this.g = g;
        this.separator = separator;
    }

    /** A preference model initialised from a language model, as {@link RewardModel#fromPolicy} does; {@code base} stays the caller's. */
    public static PreferenceModel fromPolicy(Transformer base, long seed, int separator) {
        return new PreferenceModel(RewardModel.fromPolicy(base, seed), separator);
    }

    /** Loads a directory written by {@link #save}. */
    public static PreferenceModel load(Path dir) {
        if (!Files.isDirectory(dir)) throw new UserError("preference model not found: " + dir + " (a directory of jpo train with method: preference)");
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new UserError(dir + " is not a preference model: no " + FILE + " (jpo train with method: preference writes it; a reward "
                    + "model scores one completion at a time: use {type: reward_model})");
        }
        JsonNode n = RewardModel.readJson(file);
        JsonNode s = n.get("separator_id");
        if (s == null || !s.isIntegralNumber()) throw new UserError(file + ": field 'separator_id': expected a token id, got " + s);
        return new PreferenceModel(RewardModel.read(dir), s.intValue());
    }

    /** The reward model layout and {@value #FILE}. */
    public void save(Path dir, List<Path> tokenizerFiles) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", "preference_model");
        n.put("separator_id", separator);
        n.put("input", "prompt + y + separator + y'");
        n.put("probability", "P(y > y' | x) = sigmoid(g(x, y, y') - g(x, y', y))");
        g.save(dir, tokenizerFiles, tmp -> Files.writeString(tmp.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n"));
    }

    /**
     * The logit d(y, y′) [B] of each (x, y, y′): both orders of every triple in one forward of 2B rows, the first B
     * reading {@code x ⊕ y ⊕ s ⊕ y′}, the last B {@code x ⊕ y′ ⊕ s ⊕ y}. P(y ≻ y′ | x) = σ(d). Differentiable when
     * the weights track gradients.
     */
    public Tensor logits(List<int[]> prompts, List<int[]> first, List<int[]> second) {
        int b = prompts.size();
        if (first.size() != b || second.size() != b) {
            throw new IllegalArgumentException(b + " prompts, " + first.size() + " first and " + second.size() + " second completions");
        }
        List<int[]> p = new ArrayList<>(2 * b), c = new ArrayList<>(2 * b);
        for (int i = 0; i < b; i++) { p.add(prompts.get(i)); c.add(join(first.get(i), second.get(i))); }
        for (int i = 0; i < b; i++) { p.add(prompts.get(i)); c.add(join(second.get(i), first.get(i))); }
        Tensor r = g.rewards(SequenceBatch.of(p, c, 0));                                          // [2B]
        return r.narrow(0, 0, b).sub(r.narrow(0, b, b));                                          // [B]
    }

    /** {@code y ⊕ s ⊕ y′}, what follows the prompt in the sequence g reads. */
    public int[] join(int[] y, int[] y2) {
        int[] out = new int[y.length + 1 + y2.length];
        System.arraycopy(y, 0, out, 0, y.length);
        out[y.length] = separator;
        System.arraycopy(y2, 0, out, y.length + 1, y2.length);
        return out;
    }

    /** Tokens g reads for one order of a pair: prompt, both completions and the separator. */
    public static int length(int[] prompt, int[] y, int[] y2) { return prompt.length + y.length + 1 + y2.length; }

    public int separator() { return separator; }

    /** The shape as config.json states it; {@code maxSeqLen} bounds {@link #length}. */
    public ModelConfig config() { return g.config(); }

    /** Every parameter by HF name (backbone, then {@value RewardModel#HEAD}), live. */
    public Map<String, Tensor> parameters() { return g.parameters(); }

    public void trainable(boolean on) { g.trainable(on); }

    @Override public void close() { g.close(); }
}
