package org.jpo.cli;

import org.jpo.UserError;
import org.jpo.io.Targets;
import org.jpo.model.Checkpoints;
import org.jpo.model.LoraFiles;
import org.jpo.model.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jpo convert}: write any loadable model as an HF directory, or fold a LoRA adapter into its base. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Write a model (llama2.c .bin, HF directory or LoRA adapter directory) as an HF directory: config.json, "
                + "model.safetensors (HF names; Llama rotary rows in HF order) and its tokenizer files. With --merge-lora, "
                + "write the adapter's base with W ← W + (lora_alpha / r)·B·A (transposed for GPT-2's Conv1D).")
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "M",
            description = "HF model directory, llama2.c weights .bin, or LoRA adapter directory (written as it is: adapters stay adapters)")
    Path model;

    @Option(names = "--merge-lora", paramLabel = "ADAPTER_DIR",
            description = "A LoRA adapter directory in PEFT's layout (adapter_config.json + adapter_model.safetensors) to merge into its base")
    Path mergeLora;

    @Option(names = "--base", paramLabel = "MODEL",
            description = "With --merge-lora: the base model (default: the adapter's base_model_name_or_path)")
    Path base;

    @Option(names = "--tokenizer", paramLabel = "T", description = "Tokenizer file to carry along (default: the model directory's)")
    Path tokenizer;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The HF directory to write; must not exist or be empty.")
    Path out;

    @Option(names = "--overwrite", description = "Replace --out if it exists (the new directory is swapped in only once complete).")
    boolean overwrite;

    @Override public Integer call() {
        if ((model == null) == (mergeLora == null)) throw new UserError("jpo convert needs exactly one of --model and --merge-lora");
        if (base != null && mergeLora == null) throw new UserError("--base goes with --merge-lora");
        if (mergeLora != null && !LoraFiles.isAdapter(mergeLora)) {
            throw new UserError("--merge-lora " + mergeLora + ": not a LoRA adapter directory (no " + LoraFiles.CONFIG + ")");
        }
        if (!overwrite) Targets.requireFreshDirectory(out, "--out", false, "add --overwrite to replace it");
        Targets.requireWritableDirectory(out.toAbsolutePath().getParent(), "--out's parent");
        Path basePath = mergeLora == null ? null : base != null ? base : LoraFiles.baseModel(mergeLora);
        try (Transformer m = mergeLora == null ? Checkpoints.load(model) : Checkpoints.loadAdapter(mergeLora, basePath)) {
            if (mergeLora != null) m.mergeLora();
            Path source = mergeLora == null ? model : mergeLora;
            List<Path> tokenizerFiles = new ArrayList<>(Checkpoints.tokenizerFilesIn(source));
            if (tokenizerFiles.isEmpty() && basePath != null) tokenizerFiles.addAll(Checkpoints.tokenizerFilesIn(basePath));
            if (tokenizer != null) {
                tokenizerFiles.removeIf(f -> f.getFileName().toString().startsWith("tokenizer."));
                tokenizerFiles.add(tokenizer);
            }
            Checkpoints.save(m, out, tokenizerFiles);
            System.err.printf("wrote %s: %s, %,d parameters%s, tokenizer files %s%n", out, m.config().modelType(), m.numParameters(),
                    mergeLora == null ? "" : " (" + mergeLora + " merged into " + basePath + ")",
                    tokenizerFiles.stream().map(p -> p.getFileName().toString()).toList());
        }
        return 0;
    }
}
