package org.jpo.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code jpo tokenize}: the token ids of a text, as one JSON line. Reads the tokenizer only, never the weights. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text as one JSON line: {\"ids\": [...]}.")
public final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "M",
            description = "HF model directory (tokenizer.json, else tokenizer.bin) or llama2.c .bin file.")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "T",
            description = "Tokenizer to use instead of the model's: *.json is HF, anything else a llama2.c .bin.")
    Optional<Path> tokenizer = Optional.empty();

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "The text to tokenize.")
    String text;

    @Option(names = "--special", description = "Apply the model's special-token convention (e.g. prepend BOS).")
    boolean special;

    @Spec CommandSpec spec;

    @Override public Integer call() throws JsonProcessingException {
        int[] ids;
        try (Tokenizer tok = Tokenizers.require(model, tokenizer)) {
            ids = tok.encode(text, special);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(new ObjectMapper().writeValueAsString(Map.of("ids", ids)));
        out.flush();
        return 0;
    }
}
