package org.jpo.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.model.Transformer;
import org.jpo.sampling.Completion;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.SamplingParams;
import org.jpo.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jpo generate}: sample completions with a KV cache; JSONL out, one object per sample. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Sample completions from a model. Output: JSONL, one object per sample with prompt, completion, "
                + "completion_ids, finish_reason, logp (and prompt_index, sample_index, seed).")
final class GenerateCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(GenerateCommand.class);

    @Mixin ModelOptions model;

    @ArgGroup(exclusive = true, multiplicity = "1") Input input;

    static final class Input {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "One prompt (\"\" starts from BOS).") String prompt;
        @Option(names = "--prompts", paramLabel = "FILE.jsonl", description = "One {\"prompt\": ...} or {\"prompt_ids\": [...]} per line.") Path prompts;
    }

    @Option(names = "--n", defaultValue = "1", description = "Samples per prompt (default ${DEFAULT-VALUE}).") int n;
    @Option(names = "--max-new-tokens", defaultValue = "128", description = "Default ${DEFAULT-VALUE}.") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "1.0", description = "Default ${DEFAULT-VALUE}.") double temperature;
    @Option(names = "--top-k", defaultValue = "0", description = "0 = off (default).") int topK;
    @Option(names = "--top-p", defaultValue = "1.0", description = "1 = off (default).") double topP;
    @Option(names = "--seed", defaultValue = "0", description = "Default ${DEFAULT-VALUE}.") long seed;
    @Option(names = "--greedy", description = "Argmax decoding.") boolean greedy;
    @Option(names = "--batch-size", defaultValue = "32", description = "Rows (prompt x sample) decoded together (default ${DEFAULT-VALUE}).") int batchRows;
    @Mixin Output out;

    @Override public Integer call() {
        SamplingParams params;
        try {
            params = new SamplingParams(n, maxNewTokens, temperature, topK, topP, greedy, seed);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (batchRows < 1) throw new UserError("--batch-size must be >= 1, got " + batchRows);
        out.check();
        try (Transformer m = model.loadModel(); Tokenizer tok = model.loadTokenizer(m)) {
            int window = m.config().contextLimit();
            if (maxNewTokens > window) {
                throw new UserError("--max-new-tokens " + maxNewTokens + " exceeds the model's context window of " + window + " tokens");
            }
            List<Prompt> prompts = prompts(tok, m);
            long completions = (long) prompts.size() * n;
            log.info(String.format("plan: %,d prompts × %,d samples = %,d completions of at most %,d new tokens (%,d tokens at most)",
                    prompts.size(), n, completions, maxNewTokens, completions * maxNewTokens));
            List<ObjectNode> rows = new ArrayList<>();
            for (Completion c : new LocalSampler(m, ModelOptions.stopIds(m, tok), batchRows).sample(prompts, params)) rows.add(row(c, prompts.get(c.promptIndex()), tok));
            out.write(rows);
        }
        return 0;
    }

    private List<Prompt> prompts(Tokenizer tok, Transformer m) {
        List<Prompt> prompts = new ArrayList<>();
        if (input.prompt != null) {
            prompts.add(new Prompt(0, ModelOptions.promptIds(tok, m, input.prompt)));
            return prompts;
        }
        for (Jsonl.Line line : Jsonl.read(input.prompts)) {
            int[] ids = line.has("prompt_ids") ? line.ids("prompt_ids") : ModelOptions.promptIds(tok, m, line.text("prompt"));
            if (ids.length == 0) throw line.error("prompt_ids is empty (give at least BOS)");
            int vocab = m.config().vocabSize();
            for (int id : ids) {
                if (id < 0 || id >= vocab) throw line.error("prompt_ids holds token id " + id + "; the vocabulary size is " + vocab);
            }
            int window = m.config().contextLimit();
            if (ids.length >= window) {
                throw line.error("prompt has " + ids.length + " tokens; the context window is " + window + " (no room to generate)");
            }
            prompts.add(new Prompt(prompts.size(), ids));
        }
        if (prompts.isEmpty()) throw new UserError(input.prompts + ": no prompts");
        return prompts;
    }

    private static ObjectNode row(Completion c, Prompt p, Tokenizer tok) {
        ObjectNode o = Jsonl.JSON.createObjectNode();
        o.put("prompt", tok.decode(p.ids()));
        o.put("completion", tok.decodeContinuation(p.ids(), c.tokenIds()));
        var ids = o.putArray("completion_ids");
        for (int id : c.tokenIds()) ids.add(id);
        o.put("finish_reason", c.finish().wireName());
        o.put("logp", c.logp());
        o.put("prompt_index", c.promptIndex());
        o.put("sample_index", c.sampleIndex());
        o.put("seed", c.seed());
        return o;
    }
}
