package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.slf4j.LoggerFactory;
import org.jpo.UserError;
import org.jpo.io.Llama2cWeights;
import org.jpo.io.SafeTensors;
import org.jpo.io.Trees;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;

/**
 * Models on disk: a HuggingFace directory ({@code config.json} + {@code model.safetensors} or a sharded
 * index) or a llama2.c weights file. Saving writes the HF layout that {@link #load} reads back bit for bit.
 */
public final class Checkpoints {
    private Checkpoints() {}

    /** Tokenizer files carried along when a model directory is saved. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json", "tokenizer.bin");

    /**
     * Loads an HF model directory, a llama2.c {@code .bin} file, or a LoRA adapter directory in PEFT's layout (its
     * base model, from base_model_name_or_path, carrying the adapters).
     */
    public static Transformer load(Path model) {
        if (LoraFiles.isAdapter(model)) return loadAdapter(model, LoraFiles.baseModel(model));
        if (Files.isDirectory(model)) return loadHf(model);
        if (Files.isRegularFile(model)) return loadLlama2c(model);
        throw new UserError("model not found: " + model + " (expected an HF model directory or a llama2.c .bin file)");
    }

    /** The base model {@code base} carrying the LoRA adapters saved in {@code adapterDir}. */
    public static Transformer loadAdapter(Path adapterDir, Path base) {
        if (LoraFiles.isAdapter(base)) throw new UserError(adapterDir + ": base model " + base + " is itself a LoRA adapter; merge it first (jpo convert --merge-lora)");
        Transformer model = load(base);
        try {
            model.attachLora(LoraFiles.read(adapterDir, model.config()));
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static Transformer loadHf(Path dir) {
        Path configFile = dir.resolve("config.json");
        if (!Files.isRegularFile(configFile)) throw new UserError(dir + ": no config.json (not an HF model directory)");
        RewardModel.rejectAsPolicy(configFile);
        ModelConfig config = ModelConfig.read(configFile);
        try (PointerScope scope = new PointerScope()) {
            Map<String, org.bytedeco.pytorch.Tensor> raw = SafeTensors.readModel(dir);
            if (raw.keySet().stream().anyMatch(n -> n.contains("vision_tower."))) {
                LoggerFactory.getLogger(Checkpoints.class).info("{}: an image-and-text checkpoint; jpo loads its language model "
                        + "({}) and leaves the vision tower out", dir, config.modelType());
            }
            return new Transformer(config, WeightNames.normalize(config, raw), dir.toString());
        }
    }

    private static Transformer loadLlama2c(Path file) {
        try (PointerScope scope = new PointerScope()) {
            Llama2cWeights w = Llama2cWeights.read(file);
            ModelConfig config = Llama2cImport.config(w.header());
            return new Transformer(config, Llama2cImport.weights(config, w), file.toString());
        }
    }

    /**
     * Writes {@code config.json}, {@code model.safetensors} (or, for a model carrying LoRA adapters, only the adapters:
     * {@code adapter_config.json} + {@code adapter_model.safetensors}, see {@link LoraFiles}) and the given tokenizer files (copied under their
     * names, a llama2.c tokenizer as {@code tokenizer.bin}) into {@code dir}, atomically: everything goes to a
     * temporary sibling directory that replaces {@code dir} when complete.
     */
    public static void save(Transformer model, Path dir, List<Path> tokenizerFiles) {
        if (model.lora().isPresent()) {
            writeDirectory(dir, tokenizerFiles, tmp -> LoraFiles.write(model.lora().get(), tmp));
            return;
        }
        writeDirectory(dir, tokenizerFiles, tmp -> {
            model.config().write(tmp.resolve("config.json"));
            SafeTensors.write(tmp.resolve("model.safetensors"), model.parameters(), Map.of("format", "pt"));
        });
    }

    /** Writes the files of one model directory into a fresh directory. */
    interface DirectoryWriter {
        void write(Path tmp) throws IOException;
    }

    /**
     * Runs {@code body} on a temporary sibling of {@code dir}, copies the tokenizer files in, then swaps the
     * result in for {@code dir}, so a reader never sees half a model.
     */
    static void writeDirectory(Path dir, List<Path> tokenizerFiles, DirectoryWriter body) {
        Path abs = dir.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            Trees.delete(tmp);
            Files.createDirectories(tmp);
            body.write(tmp);
            for (Path f : tokenizerFiles) {
                String name = f.getFileName().toString();
                String target = TOKENIZER_FILES.contains(name) ? name : "tokenizer.bin";
                Files.copy(f, tmp.resolve(target), StandardCopyOption.REPLACE_EXISTING);
            }
            Path old = abs.resolveSibling(abs.getFileName() + ".old-" + ProcessHandle.current().pid());
            if (Files.exists(abs)) Files.move(abs, old);
            Files.move(tmp, abs);
            Trees.delete(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The tokenizer files a checkpoint of {@code model} should carry: the model directory's, with its tokenizer
     * files replaced by {@code tokenizer} (a file, or a directory's tokenizer files) when one is given.
     */
    public static List<Path> tokenizerFiles(Path model, Optional<Path> tokenizer) {
        List<Path> files = new ArrayList<>(tokenizerFilesIn(model));
        tokenizer.ifPresent(t -> {
            files.removeIf(f -> f.getFileName().toString().startsWith("tokenizer."));
            files.addAll(Files.isDirectory(t) ? tokenizerFilesIn(t) : List.of(t));
        });
        return files;
    }

    /** The tokenizer files an HF model directory carries, to pass on to {@link #save}. */
    public static List<Path> tokenizerFilesIn(Path modelDir) {
        if (!Files.isDirectory(modelDir)) return List.of();
        return TOKENIZER_FILES.stream().map(modelDir::resolve).filter(Files::isRegularFile).toList();
    }

}
