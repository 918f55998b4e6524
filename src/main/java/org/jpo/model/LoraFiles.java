package org.jpo.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.jpo.UserError;
import org.jpo.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.jpo.tensor.Tensors.*;

/**
 * LoRA adapters on disk in PEFT's layout, which {@code PeftModel.from_pretrained} reads: {@code adapter_config.json}
 * (peft_type LORA, r, lora_alpha, lora_dropout, target_modules, fan_in_fan_out, base_model_name_or_path, ...) and
 * {@code adapter_model.safetensors} with keys {@code base_model.model.<module>.lora_A.weight} / {@code .lora_B.weight}.
 * The dropout stream's seed and position ride in the safetensors metadata, which PEFT ignores.
 */
public final class LoraFiles {
    public static final String CONFIG = "adapter_config.json", WEIGHTS = "adapter_model.safetensors";
    private static final String SEED = "jpo_dropout_seed", DRAWS = "jpo_dropout_draws";
    private static final ObjectMapper JSON = new ObjectMapper();

    private LoraFiles() {}

    /** Whether {@code dir} holds an adapter (adapter_config.json) rather than a full model. */
    public static boolean isAdapter(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(CONFIG)) && !Files.isRegularFile(dir.resolve("config.json"));
    }

    static void write(Lora lora, Path dir) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("peft_type", "LORA").put("task_type", "CAUSAL_LM").put("r", lora.config().loraR())
                .put("lora_alpha", lora.config().loraAlpha()).put("lora_dropout", lora.config().loraDropout());
        var targets = n.putArray("target_modules");
        lora.modules().stream().map(m -> m.substring(m.lastIndexOf('.') + 1)).distinct().forEach(targets::add);
        n.put("bias", "none").put("fan_in_fan_out", lora.fanInFanOut()).put("base_model_name_or_path", lora.baseModel())
                .put("inference_mode", true).put("init_lora_weights", true).put("use_rslora", false).put("use_dora", false)
                .putNull("modules_to_save");
        Files.writeString(dir.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n");
        SafeTensors.write(dir.resolve(WEIGHTS), lora.parameters(), Map.of("format", "pt", SEED, Long.toString(lora.dropoutSeed()),
                DRAWS, Long.toString(lora.dropoutDraws())));
    }

    /** The base model an adapter directory names (base_model_name_or_path, relative paths against the directory). */
    public static Path baseModel(Path dir) {
        JsonNode n = config(dir);
        JsonNode b = n.get("base_model_name_or_path");
        if (b == null || !b.isTextual() || b.asText().isEmpty()) throw new UserError(dir.resolve(CONFIG) + ": missing 'base_model_name_or_path'");
        Path base = dir.resolve(b.asText());
        if (!Files.exists(base)) {
            throw new UserError(dir.resolve(CONFIG) + ": base_model_name_or_path '" + b.asText() + "' is not a local model "
                    + "(jpo reads base models from disk; pass --base PATH to jpo convert, or fix the field)");
        }
        return base;
    }

    /** Reads the adapter in {@code dir} for a base model of shape {@code base}; every mismatch names the file. */
    static Lora read(Path dir, ModelConfig base) {
        JsonNode n = config(dir);
        Path cf = dir.resolve(CONFIG);
        if (!"LORA".equals(n.path("peft_type").asText())) throw new UserError(cf + ": peft_type is " + n.get("peft_type") + ", expected \"LORA\"");
        if (!"none".equals(n.path("bias").asText("none"))) throw new UserError(cf + ": bias " + n.get("bias") + " is not supported (only \"none\")");
        if (n.path("use_dora").asBoolean(false) || n.path("use_rslora").asBoolean(false)) throw new UserError(cf + ": DoRA / rsLoRA adapters are not supported");
        if (!n.path("r").canConvertToInt()) throw new UserError(cf + ": 'r' must be an integer, got " + n.get("r"));
        List<String> targets = new ArrayList<>();
        JsonNode t = n.path("target_modules");
        if (t.isTextual()) targets.add(t.asText());
        else t.forEach(x -> targets.add(x.asText()));
        LoraConfig config;
        try {
            config = new LoraConfig(n.path("r").asInt(), n.path("lora_alpha").asDouble(8), n.path("lora_dropout").asDouble(0), targets);
            config.targets(base);
        } catch (UserError e) {
            throw new UserError(cf + ": " + e.getMessage());
        }
        boolean fanInFanOut = base.family() == ModelConfig.Family.GPT2;
        if (n.path("fan_in_fan_out").asBoolean(fanInFanOut) != fanInFanOut) {
            throw new UserError(cf + ": fan_in_fan_out is " + !fanInFanOut + ", but the base is a " + base.modelType() + " model");
        }
        Path wf = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(wf)) throw new UserError(dir + ": no " + WEIGHTS);
        Map<String, String> meta = SafeTensors.readHeader(wf).metadata();
        try (PointerScope scope = new PointerScope()) {
            return new Lora(config, fanInFanOut, n.path("base_model_name_or_path").asText(), tensors(wf, config, base),
                    Long.parseLong(meta.getOrDefault(SEED, "0")), Long.parseLong(meta.getOrDefault(DRAWS, "0")));
        }
    }

    /** A and B of every targeted module, shape-checked against the base; a missing or extra key is an error. */
    private static LinkedHashMap<String, Tensor[]> tensors(Path wf, LoraConfig config, ModelConfig base) {
        Map<String, Tensor> raw = new LinkedHashMap<>(SafeTensors.read(wf));
        Map<String, long[]> shapes = WeightNames.expected(base);
        boolean conv = base.family() == ModelConfig.Family.GPT2;
        LinkedHashMap<String, Tensor[]> out = new LinkedHashMap<>();
        for (String module : config.modulePaths(base)) {
            long[] w = shapes.get(module + ".weight");
            long in = conv ? w[0] : w[1], o = conv ? w[1] : w[0];
            Tensor a = take(raw, wf, Lora.key(module, "A"), new long[] {config.loraR(), in});
            Tensor b = take(raw, wf, Lora.key(module, "B"), new long[] {o, config.loraR()});
            out.put(module, new Tensor[] {a, b});
        }
        if (!raw.isEmpty()) {
            out.values().forEach(ab -> { ab[0].close(); ab[1].close(); });
            throw new UserError(wf + ": unexpected tensor '" + raw.keySet().iterator().next() + "' for the configured target_modules");
        }
        return out;
    }

    private static Tensor take(Map<String, Tensor> raw, Path wf, String key, long[] shape) {
        Tensor t = raw.remove(key);
        if (t == null) throw new UserError(wf + ": missing tensor '" + key + "'");
        if (!Arrays.equals(sizes(t), shape)) throw new UserError(wf + ": tensor '" + key + "' has shape " + shape(t) + ", expected " + Arrays.toString(shape));
        return keep(t.to(org.bytedeco.pytorch.global.torch.ScalarType.Float).contiguous());
    }

    private static JsonNode config(Path dir) {
        Path cf = dir.resolve(CONFIG);
        try {
            JsonNode n = JSON.readTree(cf.toFile());
            if (n == null || !n.isObject()) throw new UserError(cf + ": expected a JSON object");
            return n;
        } catch (IOException e) {
            throw new UserError(cf + ": not readable JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }
}
