package org.jpo.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.model.LogProbs;
import org.jpo.model.SequenceBatch;
import org.jpo.model.TokenLogps;
import org.jpo.model.Transformer;
import org.jpo.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import static org.jpo.tensor.Tensors.toDoubles;

/** {@code jpo logprobs}: per-token log-probabilities of completions given prompts. */
@Command(name = "logprobs", mixinStandardHelpOptions = true,
        description = "Score completions: each input line is {\"prompt\", \"completion\"} (text, tokenized with the model's "
                + "BOS convention; the completion tokenized jointly with it, as in training) or {\"prompt_ids\", \"completion_ids\"} (used verbatim). Output lines, in input order: "
                + "{\"logp\": sum, \"token_logps\": [...], \"num_tokens\": n}.")
final class LogprobsCommand implements Callable<Integer> {
    @Mixin ModelOptions model;

    @Option(names = "--input", required = true, paramLabel = "FILE.jsonl") Path input;
    @Mixin Output out;
    @Option(names = "--batch-size", defaultValue = "16", description = "Sequences per forward (default ${DEFAULT-VALUE}).") int batchSize;

    private record Row(int[] prompt, int[] completion) {}

    @Override public Integer call() {
        if (batchSize < 1) throw new UserError("--batch-size must be >= 1, got " + batchSize);
        out.check();
        List<Jsonl.Line> lines = Jsonl.read(input);
        try (Transformer m = model.loadModel()) {
            List<Row> rows = rows(lines, m);
            List<ObjectNode> results = new ArrayList<>();
            for (int i = 0; i < rows.size(); i += batchSize) results.addAll(score(m, rows.subList(i, Math.min(rows.size(), i + batchSize))));
            out.write(results);
        }
        return 0;
    }

    private List<Row> rows(List<Jsonl.Line> lines, Transformer m) {
        Tokenizer tok = null;
        List<Row> rows = new ArrayList<>();
        try {
            for (Jsonl.Line line : lines) {
                Row r;
                if (line.has("prompt_ids") || line.has("completion_ids")) {
                    r = new Row(line.ids("prompt_ids"), line.ids("completion_ids"));
                } else if (line.has("prompt") || line.has("completion")) {
                    if (tok == null) tok = model.loadTokenizer(m);
                    String prompt = line.text("prompt");
                    int[] promptIds = ModelOptions.promptIds(tok, m, prompt);
                    // joint tokenization, as training data: the completion is what follows the prompt
                    r = new Row(promptIds, tok.encodeContinuation(prompt, promptIds, line.text("completion"), true));
                } else {
                    throw line.error("expected {\"prompt\", \"completion\"} or {\"prompt_ids\", \"completion_ids\"}");
                }
                check(line, r, m);
                rows.add(r);
            }
        } finally {
            if (tok != null) tok.close();
        }
        if (rows.isEmpty()) throw new UserError(input + ": no rows");
        return rows;
    }

    private static void check(Jsonl.Line line, Row r, Transformer m) {
        if (r.prompt.length == 0) throw line.error("prompt_ids is empty: the first completion token needs a context (e.g. BOS)");
        int total = r.prompt.length + r.completion.length, window = m.config().contextLimit();
        if (total > window) throw line.error(total + " tokens exceed the model's context window of " + window);
        for (int id : r.prompt) checkId(line, id, m);
        for (int id : r.completion) checkId(line, id, m);
    }

    private static void checkId(Jsonl.Line line, int id, Transformer m) {
        if (id < 0 || id >= m.config().vocabSize()) {
            throw line.error("token id " + id + " is outside the vocabulary [0, " + m.config().vocabSize() + ")");
        }
    }

    private static List<ObjectNode> score(Transformer m, List<Row> rows) {
        List<ObjectNode> out = new ArrayList<>();
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            SequenceBatch batch = SequenceBatch.of(rows.stream().map(Row::prompt).toList(),
                    rows.stream().map(Row::completion).toList(), 0);
            TokenLogps lp = LogProbs.of(m, batch);
            long width = lp.logps().size(1);
            double[] all = toDoubles(lp.logps());
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                var tokens = Jsonl.JSON.createArrayNode();
                double sum = 0;
                for (int j = 0; j < r.completion.length; j++) {
                    double v = all[(int) (i * width + r.prompt.length - 1 + j)];
                    tokens.add(v);
                    sum += v;
                }
                ObjectNode o = Jsonl.JSON.createObjectNode();
                o.put("logp", sum);
                o.set("token_logps", tokens);
                o.put("num_tokens", r.completion.length);
                out.add(o);
            }
        }
        return out;
    }
}
