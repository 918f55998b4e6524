package org.jpo.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;
import org.jpo.feedback.RewardModelScorer;
import org.jpo.io.Jsonl;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code jpo score}: rewards of completions under a trained reward model. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = "Score completions with a reward model: each input line is {\"prompt\", \"completion\"} (text; the "
                + "completion is what follows the prompt, EOS is appended as in training). Output lines, in input order: "
                + "the input object with \"score\" added.")
final class ScoreCommand implements Callable<Integer> {
    @Option(names = "--reward-model", required = true, paramLabel = "DIR",
            description = "Reward model directory (jpo train with method: reward, or an HF *ForSequenceClassification with one label)")
    Path rewardModel;

    @Option(names = "--tokenizer", paramLabel = "T",
            description = "Tokenizer file: tokenizer.json or a llama2.c tokenizer .bin (default: the one in the reward model directory)")
    Path tokenizer;

    @Option(names = "--input", required = true, paramLabel = "FILE.jsonl",
            description = "One {\"prompt\", \"completion\"} object per line; other fields are passed through.") Path input;
    @Option(names = "--out", paramLabel = "FILE", description = "Write JSONL here instead of standard output.") Path out;
    @Option(names = "--batch-size", defaultValue = "16", description = "Sequences per forward (default ${DEFAULT-VALUE}).") int batchSize;

    @Override public Integer call() {
        if (batchSize < 1) throw new UserError("--batch-size must be >= 1, got " + batchSize);
        List<Jsonl.Line> lines = Jsonl.read(input);
        if (lines.isEmpty()) throw new UserError(input + ": no rows");
        try (RewardModelScorer scorer = RewardModelScorer.open(rewardModel, Optional.ofNullable(tokenizer), batchSize)) {
            List<RewardModelScorer.Tokens> rows = new ArrayList<>();
            for (Jsonl.Line line : lines) rows.add(tokens(scorer, line));
            double[] rewards = scorer.rewards(rows);
            List<ObjectNode> results = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                Jsonl.Line line = lines.get(i);
                if (!Double.isFinite(rewards[i])) throw line.error("the reward model gave " + rewards[i] + " (broken weights?)");
                ObjectNode o = line.json().deepCopy();
                o.put("score", rewards[i]);
                results.add(o);
            }
            Output.write(out, results);
        }
        return 0;
    }

    private static RewardModelScorer.Tokens tokens(RewardModelScorer scorer, Jsonl.Line line) {
        if (line.has("score")) throw line.error("already has a field 'score', which the output would overwrite");
        String prompt = line.text("prompt"), completion = line.text("completion");
        try {
            return scorer.tokens(prompt, completion);
        } catch (UserError e) {
            throw line.error(e.getMessage());
        }
    }
}
