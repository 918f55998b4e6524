package org.jpo.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.Seeds;
import org.jpo.io.Jsonl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Synthetic addition problems with verifiable answers: prompt {@code "27+58="}, completion {@code "85"}.
 *
 * <p>Format: the plain sum, most significant digit first, so the completion states the true answer as the
 * {@code math} verifier reads it (its last number) and the row's {@code answer} is the true sum. Writing the
 * digits reversed is the known trick that makes addition easy for small transformers (the carry then flows
 * left to right; Lee et al. 2023, arXiv:2307.03381), but a reversed completion would state a different number;
 * with plain digits the model must anticipate the carry, which is exactly what keeps a small SFT policy
 * mediocre and leaves room for the preference rounds to improve it.
 *
 * @param digits     most digits per operand (operands are uniform in [0, 10^digits))
 * @param evalRows   held-out problems ({@code eval.jsonl})
 * @param promptRows the loop's training prompts ({@code prompts.jsonl})
 * @param sftRows    SFT examples ({@code sft.jsonl})
 */
public record AdditionTask(int digits, int evalRows, int promptRows, int sftRows) implements Task {
    public AdditionTask {
        if (digits < 1 || digits > 9) throw new IllegalArgumentException("digits must be in 1..9, got " + digits);
        long distinct = (long) Math.pow(10, 2 * digits);
        if (evalRows < 1 || promptRows < 1 || sftRows < 1 || evalRows + promptRows + sftRows > distinct * 0.8) {
            throw new IllegalArgumentException("rows " + evalRows + "/" + promptRows + "/" + sftRows
                    + " must be >= 1 and use at most 80% of the " + distinct + " distinct problems");
        }
    }

    /** One problem a + b. */
    public record Sum(long a, long b) {
        public String prompt() { return a + "+" + b + "="; }

        public String answer() { return Long.toString(a + b); }

        /** What the policy should write after the prompt (the trainer appends EOS). */
        public String completion() { return answer(); }
    }

    /**
     * Draws distinct problems from the seed and splits them: eval first, then prompts, then SFT rows, so the
     * three sets are disjoint. The same seed gives the same files.
     */
    @Override public Files write(Path dir, long seed) {
        List<Sum> all = draw(seed);
        List<Sum> eval = all.subList(0, evalRows), prompts = all.subList(evalRows, evalRows + promptRows);
        List<Sum> sft = all.subList(evalRows + promptRows, all.size());
        Files f = new Files(dir.resolve("prompts.jsonl"), dir.resolve("eval.jsonl"), dir.resolve("sft.jsonl"));
        Jsonl.write(f.prompts(), rows(prompts, AdditionTask::promptRow));
        Jsonl.write(f.eval(), rows(eval, AdditionTask::promptRow));
        Jsonl.write(f.sft(), rows(sft, AdditionTask::sftRow));
        return f;
    }

    @Override public String alphabet() { return CharTokenizer.ALPHABET; }

    /** "a+b=". */
    @Override public int maxPromptChars() { return 2 * digits + 2; }

    /** The sum: one digit more than an operand. */
    @Override public int maxCompletionChars() { return digits + 1; }

    @Override public int maxSeqLen() { return 4 * digits + 8; }

    /** Distinct problems in draw order; a set, so no problem lands in two splits. */
    List<Sum> draw(long seed) {
        SplittableRandom r = Seeds.stream(seed, "addition", 0, 0);
        long bound = (long) Math.pow(10, digits);
        LinkedHashSet<Sum> seen = new LinkedHashSet<>();
        while (seen.size() < evalRows + promptRows + sftRows) seen.add(new Sum(r.nextLong(bound), r.nextLong(bound)));
        return new ArrayList<>(seen);
    }

    static ObjectNode promptRow(Sum s) { return Jsonl.JSON.createObjectNode().put("prompt", s.prompt()).put("answer", s.answer()); }

    static ObjectNode sftRow(Sum s) { return Jsonl.JSON.createObjectNode().put("prompt", s.prompt()).put("completion", s.completion()); }

    private static List<ObjectNode> rows(List<Sum> sums, Function<Sum, ObjectNode> row) { return sums.stream().map(row).toList(); }
}
