package org.jpo.feedback;

import org.jpo.Seeds;
import org.jpo.feedback.JudgeClient.Outcome;
import org.jpo.feedback.JudgeClient.Question;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LLM-as-a-judge, pointwise: a judge model awards each completion 0–5 points on the additive rubric of
 * Self-Rewarding Language Models (Yuan et al. 2024, arXiv:2401.10020, Figure 2), k times with different seeds; the
 * score is the mean of the judgments that parsed ({@link Verdicts#points}) and {@link Score#std} their population
 * std, as the paper averages 3 sampled judgments.
 *
 * <p>Self-rewarding is this scorer with {@code url} pointing at the policy's own {@code jpo serve} (and
 * {@code api: completions} if the policy has no chat template): the model being trained judges its own samples,
 * as in the paper's iterations; nothing else differs.
 *
 * <p>A completion is {@link Score#missing} when none of its judgments parsed after the retries ("judge output
 * unparseable: ..."), or when the server rejected a request for it (a 4xx such as a prompt too long for the judge's
 * context), with the server's message: never a low score, which would teach the policy that the judge's failure is
 * the completion's. Transport failures (after the client's own retries) fail the run, which resumes from its cache.
 * Each request's seed derives from (prompt, completion, judgment, attempt), so a resumed run sends the same bytes
 * and the request cache answers it.
 *
 * <p>{@link Score#stats}: {@code judgments} (k), {@code parsed}, {@code unparsed}, {@code rejected},
 * {@code requests} (retries included) and {@code votes/0} … {@code votes/5}, how many judgments gave each whole
 * score (a decimal verdict such as 3.5 counts in {@code parsed} only).
 */
public final class JudgeScorer implements Scorer {
    /**
     * The judge prompt of Self-Rewarding Language Models (arXiv:2401.10020, Figure 2), its rubric as the paper
     * writes it, with {@code {prompt}} and {@code {response}} where the figure has the instruction and response.
     */
    public static final String RUBRIC = """
            Review the user's question and the corresponding response using the additive 5-point scoring system \
            described below. Points are accumulated based on the satisfaction of each criterion:

            - Add 1 point if the response is relevant and provides some information related to the user's inquiry, \
            even if it is incomplete or contains some irrelevant content.
            - Add another point if the response addresses a substantial portion of the user's question, but does not \
            completely resolve the query or provide a direct answer.
            - Award a third point if the response answers the basic elements of the user's question in a useful way, \
            regardless of whether it seems to have been written by an AI Assistant or if it has elements typically \
            found in blogs or search results.
            - Grant a fourth point if the response is clearly written from an AI Assistant's perspective, addressing \
            the user's question directly and comprehensively, and is well-organized and helpful, even if there is \
            slight room for improvement in clarity, conciseness or focus.
            - Bestow a fifth point for a response that is impeccably tailored to the user's question by an AI \
            Assistant, without extraneous information, reflecting expert knowledge, and demonstrating a \
            high-quality, engaging, and insightful answer.

            User: {prompt}

            <response>{response}</response>

            After examining the user's instruction and the response:

            - Briefly justify your total score, up to 100 words.
            - Conclude with the score using the format: "Score: <total points>"

            Remember to assess from the AI Assistant perspective, utilizing web search knowledge as necessary. To \
            evaluate the response in alignment with this additive scoring model, we'll systematically attribute \
            points based on the outlined criteria.""";

    private final JudgeConfig config;
    private final String template;
    private final JudgeClient judge;

    JudgeScorer(JudgeConfig config, String template, JudgeClient judge) {
        this.config = config;
        this.template = template;
        this.judge = judge;
    }

    @Override public String name() { return "judge:" + config.model(); }

    /** All k × n judgments of the prompt's completions are asked together. */
    @Override public List<Score> score(ScoreInput input, List<String> completions) {
        long prompt = Seeds.fingerprint(input.prompt());
        List<Question> questions = new ArrayList<>();
        for (String c : completions) {
            String text = JudgeTemplate.render(template, Map.of("prompt", input.prompt(), "response", c));
            long completion = Seeds.fingerprint(c);
            for (int j = 0; j < config.k(); j++) {
                long judgment = j;
                questions.add(new Question(text, attempt -> Seeds.of(prompt, completion, judgment, attempt)));
            }
        }
        List<Outcome<Double>> outcomes = judge.ask(questions, Verdicts::points);
        List<Score> out = new ArrayList<>(completions.size());
        for (int i = 0; i < completions.size(); i++) {
            out.add(score(String.valueOf(i), outcomes.subList(i * config.k(), (i + 1) * config.k())));
        }
        return out;
    }

    private Score score(String ref, List<Outcome<Double>> judgments) {
        Map<String, Double> stats = new LinkedHashMap<>();
        List<Double> points = judgments.stream().filter(o -> o.verdict() != null).map(Outcome::verdict).toList();
        stats.put("judgments", (double) judgments.size());
        stats.put("parsed", (double) points.size());
        stats.put("unparsed", (double) judgments.stream().filter(o -> o.unparsed() != null).count());
        stats.put("rejected", (double) judgments.stream().filter(o -> o.rejection() != null).count());
        stats.put("requests", (double) judgments.stream().mapToInt(Outcome::requests).sum());
        for (int v = 0; v <= Verdicts.MAX_POINTS; v++) {
            double whole = v;
            stats.put("votes/" + v, (double) points.stream().filter(p -> p == whole).count());
        }
        // a rejected request is rejected for its content, which every judgment of this completion shares
        String rejection = judgments.stream().map(Outcome::rejection).filter(r -> r != null).findFirst().orElse(null);
        if (rejection != null) return new Score(ref, name(), null, "judge server rejected the request: " + rejection, null, stats);
        if (points.isEmpty()) {
            String first = judgments.get(0).unparsed();
            return new Score(ref, name(), null, "judge output unparseable: " + JudgeClient.abbreviate(first, 80), null, stats);
        }
        double mean = points.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double var = points.stream().mapToDouble(p -> (p - mean) * (p - mean)).sum() / points.size();
        return new Score(ref, name(), mean, null, Math.sqrt(var), stats);
    }
}
