package org.jpo.cli;

import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jpo convert}: write any loadable model as an HF directory. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Write a model (llama2.c .bin or HF directory) as an HF directory: config.json, model.safetensors "
                + "(HF names; Llama rotary rows in HF order) and its tokenizer files.")
final class ConvertCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Option(names = "--out", required = true, paramLabel = "DIR") Path out;

    @Override public Integer call() {
        try (Transformer m = model.loadModel()) {
            List<Path> tokenizerFiles = new ArrayList<>(Checkpoints.tokenizerFilesIn(model.model));
            if (model.tokenizer != null) {
                tokenizerFiles.removeIf(f -> f.getFileName().toString().startsWith("tokenizer."));
                tokenizerFiles.add(model.tokenizer);
            }
            Checkpoints.save(m, out, tokenizerFiles);
            System.err.printf("wrote %s: %s, %,d parameters, tokenizer files %s%n", out, m.config().modelType(),
                    m.numParameters(), tokenizerFiles.stream().map(p -> p.getFileName().toString()).toList());
        }
        return 0;
    }
}
