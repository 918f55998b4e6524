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
import java.util.stream.Collectors;

/**
 * Multi-step addition with verifiable answers and gold step-by-step solutions: prompt {@code "17+25+8="}, completion
 * {@code "17+25=42\n42+8=50"}, one line per partial sum, the last number the answer. The reasoning recipes need steps
 * (a step ends at the newline: MCTS's {@code step_delimiter}) and an answer that many different solutions share
 * (self-consistency votes on it, the {@code math} verifier reads it).
 *
 * @param digits       most digits per operand (operands are uniform in [0, 10^digits))
 * @param minOperands  fewest operands of a problem (at least 2)
 * @param maxOperands  most operands; the count is uniform in [minOperands, maxOperands]
 * @param evalRows     held-out problems ({@code eval.jsonl})
 * @param promptRows   the loop's training prompts ({@code prompts.jsonl})
 * @param sftRows      SFT examples with gold solutions ({@code sft.jsonl})
 */
public record ChainTask(int digits, int minOperands, int maxOperands, int evalRows, int promptRows, int sftRows) implements Task {
    /** The task's characters: the addition task's and the newline that ends a step, which takes the next id. */
    public static final String ALPHABET = CharTokenizer.ALPHABET + "\n";

    public ChainTask {
        if (digits < 1 || digits > 6) throw new IllegalArgumentException("digits must be in 1..6, got " + digits);
        if (minOperands < 2 || maxOperands < minOperands || maxOperands > 9) {
            throw new IllegalArgumentException("operands must satisfy 2 <= min <= max <= 9, got " + minOperands + ".." + maxOperands);
        }
        double distinct = Math.pow(10, digits * minOperands);
        if (evalRows < 1 || promptRows < 1 || sftRows < 1 || evalRows + promptRows + sftRows > distinct * 0.8) {
            throw new IllegalArgumentException("rows " + evalRows + "/" + promptRows + "/" + sftRows
                    + " must be >= 1 and use at most 80% of the " + (long) distinct + " distinct problems of the fewest operands");
        }
    }

    /** One problem: the sum of {@code operands}, added left to right. */
    public record Chain(List<Long> operands) {
        public String prompt() { return operands.stream().map(String::valueOf).collect(Collectors.joining("+")) + "="; }

        public String answer() { return Long.toString(operands.stream().mapToLong(Long::longValue).sum()); }

        /** The gold solution: "s+a=t" per operand after the first, s the running sum, one line each. */
        public String completion() { return String.join("\n", steps()); }

        public List<String> steps() {
            List<String> out = new ArrayList<>();
            long sum = operands.get(0);
            for (long a : operands.subList(1, operands.size())) {
                out.add(sum + "+" + a + "=" + (sum + a));
                sum += a;
            }
            return out;
        }
    }

    /** Draws distinct problems from the seed and splits them eval, prompts, SFT (disjoint), as {@link AdditionTask#write}. */
    @Override public Files write(Path dir, long seed) {
        List<Chain> all = draw(seed);
        Files f = new Files(dir.resolve("prompts.jsonl"), dir.resolve("eval.jsonl"), dir.resolve("sft.jsonl"));
        Jsonl.write(f.eval(), rows(all.subList(0, evalRows), ChainTask::promptRow));
        Jsonl.write(f.prompts(), rows(all.subList(evalRows, evalRows + promptRows), ChainTask::promptRow));
        Jsonl.write(f.sft(), rows(all.subList(evalRows + promptRows, all.size()), ChainTask::sftRow));
        return f;
    }

    List<Chain> draw(long seed) {
        SplittableRandom r = Seeds.stream(seed, "chain", 0, 0);
        long bound = (long) Math.pow(10, digits);
        LinkedHashSet<Chain> seen = new LinkedHashSet<>();
        while (seen.size() < evalRows + promptRows + sftRows) {
            int n = minOperands + r.nextInt(maxOperands - minOperands + 1);
            List<Long> ops = new ArrayList<>();
            for (int i = 0; i < n; i++) ops.add(r.nextLong(bound));
            seen.add(new Chain(ops));
        }
        return new ArrayList<>(seen);
    }

    @Override public String alphabet() { return ALPHABET; }

    /** maxOperands operands of {@code digits} digits, their plus signs and "=". */
    @Override public int maxPromptChars() { return maxOperands * (digits + 1); }

    /** The gold solution of the largest operands: partial sums only grow, so their digits are the most. */
    @Override public int maxCompletionChars() {
        long top = (long) Math.pow(10, digits) - 1;
        List<Long> ops = new ArrayList<>();
        for (int i = 0; i < maxOperands; i++) ops.add(top);
        return new Chain(ops).completion().length();
    }

    @Override public int maxSeqLen() { return 1 + maxPromptChars() + maxCompletionChars() + 1 + 8; }

    static ObjectNode promptRow(Chain c) { return Jsonl.JSON.createObjectNode().put("prompt", c.prompt()).put("answer", c.answer()); }

    static ObjectNode sftRow(Chain c) { return Jsonl.JSON.createObjectNode().put("prompt", c.prompt()).put("completion", c.completion()); }

    private static List<ObjectNode> rows(List<Chain> cs, Function<Chain, ObjectNode> row) { return cs.stream().map(row).toList(); }
}
