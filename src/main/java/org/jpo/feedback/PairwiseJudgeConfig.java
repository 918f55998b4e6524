package org.jpo.feedback;

import org.jpo.config.ApiKeys;
import org.jpo.config.Check;
import org.jpo.config.Key;
import org.jpo.config.Tag;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** {@code pairwise_judge}: an LLM judge's A-vs-B verdicts, both orders, as win probabilities ({@link PairwiseJudgeScorer}). */
@Tag(value = "pairwise_judge", doc = "An LLM judge compares a prompt's completions two at a time, in both orders (MT-Bench, "
        + "arXiv:2306.05685); a completion's score is its win probability against the others, 0-1 (SPPO's P(y > pi), arXiv:2405.00675).")
public record PairwiseJudgeConfig(
        @Key(required = true, doc = JudgeClient.URL) String url,
        @Key(required = true, doc = JudgeClient.MODEL) String model,
        @Key(value = ApiKeys.DEFAULT_ENV, doc = JudgeClient.API_KEY_ENV) String apiKeyEnv,
        @Key(value = "chat", doc = JudgeClient.API) JudgeApi api,
        @Key(value = "2", doc = JudgeClient.RETRIES) int retries,
        @Key(value = "0.7", doc = "The judge's sampling temperature; > 0 so that a retry can give another answer (MT-Bench's GPT-4 judge "
                + "was greedy: temperature 0 with retries 0).") double temperature,
        @Key(value = "512", doc = JudgeClient.MAX_TOKENS + " Comparing two responses takes a longer explanation than scoring one.")
        int maxTokens,
        @Key(doc = "A prompt template file with {prompt}, {response_a} and {response_b} that asks for [[A]], [[B]] or [[C]] (a tie); "
                + "null = PairwiseJudgeScorer.TEMPLATE.") Optional<Path> template,
        @Key(value = "60", doc = JudgeClient.TIMEOUT) int timeoutSeconds,
        @Key(value = "8", doc = JudgeClient.CONCURRENCY) int maxConcurrency,
        @Key(value = "0", doc = "0 = compare every pair of a prompt's completions (K(K-1) requests for K); else each completion with this "
                + "many others, chosen by a seeded shuffle (it may be in more pairs, which others chose).") int maxPairs) implements ScorerConfig {

    static final List<String> PLACEHOLDERS = List.of("prompt", "response_a", "response_b");

    public PairwiseJudgeConfig {
        if (template == null) template = Optional.empty();
        new JudgeClient.Settings(url, model, apiKeyEnv, api, retries, temperature, maxTokens, timeoutSeconds, maxConcurrency);   // checks them
        Check.atLeast("max_pairs", maxPairs, 0);
        JudgeTemplate.read("template", template, PairwiseJudgeScorer.TEMPLATE, PLACEHOLDERS);   // a bad template fails when the config is read
    }

    JudgeClient.Settings settings() {
        return new JudgeClient.Settings(url, model, apiKeyEnv, api, retries, temperature, maxTokens, timeoutSeconds, maxConcurrency);
    }

    @Override public boolean comparesCompletions() { return true; }

    @Override public PairwiseJudgeScorer open(ScorerContext context) {
        return new PairwiseJudgeScorer(this, JudgeTemplate.read("template", template, PairwiseJudgeScorer.TEMPLATE, PLACEHOLDERS),
                new JudgeClient(settings(), context));
    }
}
