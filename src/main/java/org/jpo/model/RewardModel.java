package org.jpo.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.jpo.UserError;
import org.jpo.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.jpo.tensor.Tensors.*;

/**
 * A scalar reward model: a {@link Transformer} backbone and a linear head {@code score.weight} [1,D] read at
 * each sequence's last real token, as HF {@code LlamaForSequenceClassification} /
 * {@code GPT2ForSequenceClassification} with {@code num_labels = 1} compute it (no bias, no lm_head).
 *
 * <p>On disk it is an HF directory whose {@code config.json} names a {@code *ForSequenceClassification}
 * architecture with one label; it never loads as a language model, nor a language model as a reward model.
 *
 * <p>Ownership: this object owns its weights (backbone and head); {@link #close()} frees them.
 */
public final class RewardModel implements AutoCloseable {
    /** The head's parameter name, as HF spells it. */
    public static final String HEAD = "score.weight";
    private static final String SUFFIX = "ForSequenceClassification";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelConfig config;
    private final Transformer backbone;
    private final Tensor head;   // [1,D]

    private RewardModel(ModelConfig config, Transformer backbone, Tensor head) {
        this.config = config;
        this.backbone = backbone;
        this.head = head;
    }

    /**
     * A reward model initialised from a language model: a copy of its backbone (its lm_head, if untied, is
     * dropped) and a fresh head drawn from N(0, 1/(D+1)), the initialisation of Stiennon et al.,
     * arXiv:2009.01325, seeded. {@code base} stays the caller's and is not modified by training this one.
     */
    public static RewardModel fromPolicy(Transformer base, long seed) {
        ModelConfig config = base.config();
        int d = config.dim();
        SplittableRandom rng = new SplittableRandom(seed);
        float[] w = new float[d];
        double std = 1 / Math.sqrt(d + 1.0);
        for (int i = 0; i < d; i++) w[i] = (float) (std * rng.nextGaussian());
        try (PointerScope scope = new PointerScope()) {
            Map<String, Tensor> copy = new LinkedHashMap<>();
            base.parameters().forEach((name, t) -> {
                if (!name.equals("lm_head.weight")) copy.put(name, t.detach().clone());
            });
            Transformer backbone = new Transformer(headless(config), copy, "reward model backbone");
            return new RewardModel(config, backbone, keep(floats(w, 1, d)));
        }
    }

    /** Loads a reward model directory written by {@link #save} or by HF {@code save_pretrained}. */
    public static RewardModel load(Path dir) {
        if (Files.isRegularFile(dir.resolve(PreferenceModel.FILE))) {
            throw new UserError(dir + " is a preference model (" + PreferenceModel.FILE + "): its head reads a pair of completions, "
                    + "not one; use it as feedback {type: preference_model, path: " + dir + "}");
        }
        return read(dir);
    }

    /** The directory's classifier, whatever its head was trained to read. */
    static RewardModel read(Path dir) {
        Path configFile = checkDirectory(dir);
        ModelConfig config = ModelConfig.read(configFile);
        try (PointerScope scope = new PointerScope()) {
            LinkedHashMap<String, Tensor> raw = SafeTensors.readModel(dir);
            Tensor head = raw.remove(HEAD);
            if (head == null) throw new UserError(dir + ": no tensor '" + HEAD + "': not a reward model (its config.json says "
                    + "it is one, but the weights lack the score head)");
            if (!Arrays.equals(sizes(head), new long[] {1, config.dim()})) {
                throw new UserError(dir + ": tensor '" + HEAD + "' has shape " + shape(head) + ", expected [1, " + config.dim() + "]");
            }
            raw.remove("lm_head.weight");   // a causal LM head saved alongside is unused, as HF ignores it
            ModelConfig backboneConfig = headless(config);
            Transformer backbone = new Transformer(backboneConfig, WeightNames.normalize(backboneConfig, raw), dir.toString());
            return new RewardModel(config, backbone, keep(head.to(torch.ScalarType.Float).contiguous()));
        }
    }

    /** Writes the HF layout: config.json (a {@code *ForSequenceClassification}, one label), model.safetensors, tokenizer files. */
    public void save(Path dir, List<Path> tokenizerFiles) { save(dir, tokenizerFiles, tmp -> {}); }

    /** {@link #save} with {@code more} files written into the same directory before it appears. */
    void save(Path dir, List<Path> tokenizerFiles, Checkpoints.DirectoryWriter more) {
        Checkpoints.writeDirectory(dir, tokenizerFiles, tmp -> {
            Files.writeString(tmp.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(configJson()) + "\n");
            SafeTensors.write(tmp.resolve(SafeTensors.MODEL_FILE), parameters(), Map.of("format", "pt"));
            more.write(tmp);
        });
    }

    /**
     * The reward r(x, y) [B] of each row of a right-padded batch: the head applied to the final hidden state
     * at the row's last real token, index {@code promptLen + completionLen − 1}. Differentiable when the
     * weights track gradients.
     */
    public Tensor rewards(SequenceBatch batch) {
        Tensor hidden = backbone.hidden(batch.ids());                                            // [B,T,D]
        long b = hidden.size(0), d = hidden.size(2);
        long[] last = Arrays.stream(batch.lengths()).mapToLong(n -> n - 1L).toArray();
        Tensor index = longs(last, b, 1, 1).expand(b, 1, d);                                     // [B,1,D]
        Tensor atLast = hidden.gather(1, index).squeeze(1);                                      // [B,D]
        return torch.linear(atLast, head).squeeze(-1);                                           // [B]
    }

    /** The shape as config.json states it (an untied model keeps saying so, though no lm_head is kept). */
    public ModelConfig config() { return config; }

    /** The transformer under the head; its config reports tied embeddings because it has no lm_head. */
    public Transformer backbone() { return backbone; }

    /** The head weight [1,D], live. */
    public Tensor head() { return head; }

    /** Every parameter by HF name: the backbone's, then {@value #HEAD}. Read-only map of the live weights. */
    public Map<String, Tensor> parameters() {
        LinkedHashMap<String, Tensor> all = new LinkedHashMap<>(backbone.parameters());
        all.put(HEAD, head);
        return Collections.unmodifiableMap(all);
    }

    public List<String> parameterNames() { return new ArrayList<>(parameters().keySet()); }

    public TensorVector parameterVector() { return new TensorVector(parameters().values().toArray(new Tensor[0])); }

    public long numParameters() { return backbone.numParameters() + head.numel(); }

    /** Turns gradient tracking of every parameter, head included, on or off. */
    public void trainable(boolean on) {
        backbone.trainable(on);
        head.requires_grad_(on);
    }

    @Override public void close() {
        backbone.close();
        head.close();
    }

    // ---------------------------------------------------------------- config.json

    /** The backbone's config: HF classifiers have no lm_head, which a tied config does not expect. */
    private static ModelConfig headless(ModelConfig c) {
        return c.withTiedEmbeddings(true);
    }

    /** The language model's config.json with HF's classifier architecture and one label. */
    private ObjectNode configJson() {
        ObjectNode n = config.toJson();
        n.putArray("architectures").add(architecture(config));
        n.put("num_labels", 1);
        n.putObject("id2label").put("0", "LABEL_0");
        n.putObject("label2id").put("LABEL_0", 0);
        return n;
    }

    static String architecture(ModelConfig c) {
        return switch (c.modelType()) {
            case "gpt2" -> "GPT2";
            case "qwen2" -> "Qwen2";
            case "qwen3" -> "Qwen3";
            case "gemma2" -> "Gemma2";
            case "gemma3_text" -> "Gemma3Text";
            case "phi3" -> "Phi3";
            case "smollm3" -> "SmolLM3";
            case "mistral" -> "Mistral";
            default -> "Llama";
        } + SUFFIX;
    }

    /** The config.json of a reward model directory, after checking that it is one. */
    private static Path checkDirectory(Path dir) {
        if (Files.isRegularFile(dir)) {
            throw new UserError("reward model " + dir + " is a file; a reward model is an HF directory (config.json naming a *"
                    + SUFFIX + " with num_labels 1, and model.safetensors), as jpo train with method: reward writes it");
        }
        if (!Files.isDirectory(dir)) throw new UserError("reward model not found: " + dir);
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) throw new UserError(dir + ": no config.json (not an HF model directory)");
        JsonNode n = readJson(configFile);
        List<String> arch = architectures(n);
        if (arch.stream().noneMatch(a -> a.endsWith(SUFFIX))) {
            throw new UserError(dir + " is not a reward model: config.json field 'architectures' is "
                    + (arch.isEmpty() ? "missing" : arch.toString()) + ", expected a *" + SUFFIX
                    + " (a language model directory cannot score; train a reward model with method: reward)");
        }
        int labels = numLabels(n, configFile);
        if (labels != 1) {
            throw new UserError(configFile + ": field 'num_labels' is " + labels + ", expected 1 (a scalar reward head)");
        }
        return configFile;
    }

    /** Fails when a language model is asked for but {@code configFile} describes a reward model. */
    static void rejectAsPolicy(Path configFile) {
        List<String> arch = architectures(readJson(configFile));
        if (!arch.isEmpty() && arch.stream().allMatch(a -> a.endsWith(SUFFIX))) {
            boolean pairs = Files.isRegularFile(configFile.resolveSibling(PreferenceModel.FILE));
            throw new UserError(configFile.getParent() + " is a " + (pairs ? "preference" : "reward") + " model (" + String.join(", ", arch)
                    + "), not a language model; " + (pairs ? "use it as feedback {type: preference_model, path: ...}"
                    : "use it with jpo score --reward-model"));
        }
    }

    static JsonNode readJson(Path file) {
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) throw new UserError(file + ": expected a JSON object");
            return n;
        } catch (IOException e) {
            throw new UserError(file + ": not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    private static List<String> architectures(JsonNode config) {
        JsonNode a = config.get("architectures");
        List<String> out = new ArrayList<>();
        if (a != null && a.isArray()) a.forEach(e -> out.add(e.asText()));
        return out;
    }

    /** HF's rule: {@code num_labels} if given, else the size of {@code id2label}, else 2. */
    private static int numLabels(JsonNode config, Path file) {
        JsonNode n = config.get("num_labels");
        if (n != null && !n.isNull()) {
            if (!n.isIntegralNumber()) throw new UserError(file + ": field 'num_labels': expected an integer, got " + n);
            return n.intValue();
        }
        JsonNode labels = config.get("id2label");
        return labels != null && labels.isObject() ? labels.size() : 2;
    }
}
