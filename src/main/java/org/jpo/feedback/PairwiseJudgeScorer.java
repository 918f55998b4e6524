package org.jpo.feedback;

import org.jpo.Seeds;
import org.jpo.feedback.JudgeClient.Outcome;
import org.jpo.feedback.JudgeClient.Question;
import org.jpo.feedback.Verdicts.Preference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * LLM-as-a-judge, pairwise: for each pair {i, j} of a prompt's completions the judge is asked twice, with i as
 * response A and j as B, then swapped, which cancels its position bias (MT-Bench, Zheng et al. 2023,
 * arXiv:2306.05685: "swapping positions", its remedy for the position bias it measured). A verdict gives i 1 (i preferred), 0 or ½ (a tie); P(i ≻ j) is the mean of the
 * pair's parsed verdicts, an unparsed one (after the retries) dropped, and P(j ≻ i) = 1 − P(i ≻ j).
 *
 * <p>Completion i's score is its mean P(i ≻ j) over its known pairs: its win probability against the policy's other
 * samples, the estimate of P(y ≻ π | x) that SPPO (arXiv:2405.00675, with PairRM as its preference model) turns into
 * its target η (P(y ≻ π | x) − ½). {@link Score#std} is the population std of those P(i ≻ j). A completion is
 * {@link Score#missing} when none of its pairs is known, or when the prompt has a single completion.
 *
 * <p>Self-rewarding with pairwise judgments is this scorer with {@code url} the policy's own {@code jpo serve}.
 * Requests are deterministic (seed from the prompt, both responses in order and the attempt), so the request cache
 * answers a resumed run; 4xx and transport failures are handled as in {@link JudgeScorer}.
 *
 * <p>{@link Score#winProbs}: each known P(i ≻ j), j in the prompt's completions' order.
 *
 * <p>{@link Score#stats}: {@code pairs} (known pairs in the mean), {@code comparisons} (pairs with both verdicts),
 * {@code flips} (comparisons whose two verdicts chose the same position, A both times or B both times, so that the
 * preference followed the order: position bias), {@code unparsed} and {@code rejected} (verdicts dropped) and
 * {@code requests}.
 */
public final class PairwiseJudgeScorer implements Scorer {
    /**
     * The built-in pairwise prompt, written here after MT-Bench's pairwise judge prompt (arXiv:2306.05685):
     * a short explanation, then its verdict format, [[A]], [[B]] or [[C]] for a tie.
     */
    public static final String TEMPLATE = """
            You are an impartial judge. Compare the two responses below to the user's question and decide which one \
            follows the user's instructions and answers the question better, considering helpfulness, relevance, \
            accuracy, depth and level of detail. Start with a short explanation comparing the two responses. Do not \
            let the order in which they are shown, their lengths or the labels A and B influence your decision.

            After your explanation, give your final verdict in exactly this format: "[[A]]" if response A is better, \
            "[[B]]" if response B is better, or "[[C]]" if they are equally good.

            [User Question]
            {prompt}

            [The Start of Response A]
            {response_a}
            [The End of Response A]

            [The Start of Response B]
            {response_b}
            [The End of Response B]""";

    private final PairwiseJudgeConfig config;
    private final String template;
    private final JudgeClient judge;
    private final String name;

    /** @param name what {@link Score#scorer} says: {@code pairwise_judge:MODEL}, or {@code preference_model:MODEL} as a preference model's source */
    PairwiseJudgeScorer(PairwiseJudgeConfig config, String template, JudgeClient judge, String name) {
        this.config = config;
        this.template = template;
        this.judge = judge;
        this.name = name;
    }

    @Override public String name() { return name; }

    @Override public boolean pairwise() { return true; }

    /** One pair's two verdicts, by the position each order put the pair's first completion in. */
    private record Pair(int i, int j, Outcome<Preference> iFirst, Outcome<Preference> jFirst) {
        /** i's credit from each parsed verdict. */
        List<Double> credits() {
            List<Double> out = new ArrayList<>(2);
            if (iFirst.verdict() != null) out.add(credit(iFirst.verdict(), Preference.A));
            if (jFirst.verdict() != null) out.add(credit(jFirst.verdict(), Preference.B));
            return out;
        }

        boolean compared() { return iFirst.verdict() != null && jFirst.verdict() != null; }

        /** Both orders chose the same position (not a tie): the verdict followed the order, not the responses. */
        boolean flipped() { return compared() && iFirst.verdict() != Preference.TIE && iFirst.verdict() == jFirst.verdict(); }
    }

    private static double credit(Preference verdict, Preference iAt) {
        return switch (verdict) {
            case TIE -> 0.5;
            case A, B -> verdict == iAt ? 1.0 : 0.0;
        };
    }

    /** Both orders of every chosen pair are asked together. */
    @Override public List<Score> score(ScoreInput input, List<String> completions) {
        int n = completions.size();
        if (n < 2) {
            String why = "a pairwise judge compares a prompt's completions with each other; this prompt has " + n;
            return IntStream.range(0, n).mapToObj(i -> Score.missing(String.valueOf(i), name(), why)).toList();
        }
        List<int[]> chosen = pairs(input.prompt(), n, config.maxPairs());
        List<Question> questions = new ArrayList<>();
        for (int[] p : chosen) {
            questions.add(question(input.prompt(), completions.get(p[0]), completions.get(p[1])));
            questions.add(question(input.prompt(), completions.get(p[1]), completions.get(p[0])));
        }
        List<Outcome<Preference>> outcomes = judge.ask(questions, Verdicts::preference);
        List<Pair> pairs = new ArrayList<>();
        for (int q = 0; q < chosen.size(); q++) {
            pairs.add(new Pair(chosen.get(q)[0], chosen.get(q)[1], outcomes.get(2 * q), outcomes.get(2 * q + 1)));
        }
        List<Score> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(score(i, n, pairs));
        return out;
    }

    private Question question(String prompt, String a, String b) {
        String text = JudgeTemplate.render(template, Map.of("prompt", prompt, "response_a", a, "response_b", b));
        long p = Seeds.fingerprint(prompt), fa = Seeds.fingerprint(a), fb = Seeds.fingerprint(b);
        return new Question(text, attempt -> Seeds.of(p, fa, fb, attempt));
    }

    private Score score(int i, int n, List<Pair> all) {
        List<Double> wins = new ArrayList<>();   // P(i ≻ j) over i's known pairs
        List<Double> byCompletion = new ArrayList<>(java.util.Collections.nCopies(n, (Double) null));
        int comparisons = 0, flips = 0, unparsed = 0, rejected = 0, requests = 0;
        String unparsedAnswer = null, rejection = null;
        for (Pair p : all) {
            if (p.i() != i && p.j() != i) continue;
            List<Double> credits = p.credits();
            if (!credits.isEmpty()) {
                double pij = credits.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
                wins.add(p.i() == i ? pij : 1 - pij);
                byCompletion.set(p.i() == i ? p.j() : p.i(), p.i() == i ? pij : 1 - pij);
            }
            if (p.compared()) comparisons++;
            if (p.flipped()) flips++;
            for (Outcome<Preference> o : List.of(p.iFirst(), p.jFirst())) {
                requests += o.requests();
                if (o.unparsed() != null) {
                    unparsed++;
                    if (unparsedAnswer == null) unparsedAnswer = o.unparsed();
                }
                if (o.rejection() != null) {
                    rejected++;
                    if (rejection == null) rejection = o.rejection();
                }
            }
        }
        Map<String, Double> stats = new LinkedHashMap<>();
        stats.put("pairs", (double) wins.size());
        stats.put("comparisons", (double) comparisons);
        stats.put("flips", (double) flips);
        stats.put("unparsed", (double) unparsed);
        stats.put("rejected", (double) rejected);
        stats.put("requests", (double) requests);
        String ref = String.valueOf(i);
        if (wins.isEmpty()) {
            String why = rejection != null ? "judge server rejected the request: " + rejection
                    : "judge output unparseable: " + JudgeClient.abbreviate(unparsedAnswer, 80);
            return new Score(ref, name(), null, why, null, stats, byCompletion);
        }
        double mean = wins.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double var = wins.stream().mapToDouble(w -> (w - mean) * (w - mean)).sum() / wins.size();
        return new Score(ref, name(), mean, null, Math.sqrt(var), stats, byCompletion);
    }

    /**
     * The pairs {i, j}, i &lt; j, to compare: all of them, or with {@code maxPairs} &gt; 0 the union of each
     * completion's first {@code maxPairs} others in a shuffle seeded by the prompt and its index (the same pairs on
     * every run).
     */
    static List<int[]> pairs(String prompt, int n, int maxPairs) {
        TreeSet<Integer> keys = new TreeSet<>();   // i * n + j, so that pairs come out in order
        for (int c = 0; c < n; c++) {
            int i = c;
            int[] others = IntStream.range(0, n).filter(j -> j != i).toArray();
            if (maxPairs > 0 && maxPairs < others.length) {
                SplittableRandom r = new SplittableRandom(Seeds.of(Seeds.fingerprint("pairwise_judge.max_pairs"), Seeds.fingerprint(prompt), i));
                for (int k = others.length - 1; k > 0; k--) {   // Fisher–Yates
                    int s = r.nextInt(k + 1), t = others[k];
                    others[k] = others[s];
                    others[s] = t;
                }
                others = Arrays.copyOf(others, maxPairs);
            }
            for (int j : others) keys.add(Math.min(i, j) * n + Math.max(i, j));
        }
        return keys.stream().map(k -> new int[] {k / n, k % n}).toList();
    }
}
