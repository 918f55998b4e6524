package org.jpo.feedback;

import org.jpo.config.ApiKeys;
import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.config.Tag;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** {@code judge}: an LLM judge's points on the Self-Rewarding additive 5-point rubric ({@link JudgeScorer}). */
@Tag(value = "judge", doc = "An LLM judge's points, 0-5, on the additive rubric of Self-Rewarding LMs (arXiv:2401.10020): the mean of "
        + "k judgments. With url the policy's own jpo serve, the policy rewards itself.")
public record JudgeConfig(
        @Key(required = true, doc = JudgeClient.URL) String url,
        @Key(required = true, doc = JudgeClient.MODEL) String model,
        @Key(value = ApiKeys.DEFAULT_ENV, doc = JudgeClient.API_KEY_ENV) String apiKeyEnv,
        @Key(value = "chat", doc = JudgeClient.API) JudgeApi api,
        @Key(value = "3", doc = "Judgments per completion; the score is their mean and its std their spread (the paper's 3).") int k,
        @Key(value = "2", doc = JudgeClient.RETRIES) int retries,
        @Key(value = "0.7", doc = "The judge's sampling temperature. The paper samples its judgments (T = 0.7, as for its responses) and "
                + "averages them; at 0 the k judgments would be one judgment asked k times.") double temperature,
        @Key(value = "256", doc = JudgeClient.MAX_TOKENS + " The rubric asks for a justification of up to 100 words and the score.")
        int maxTokens,
        @Key(doc = "A prompt template file with {prompt} and {response}; null = the paper's rubric (JudgeScorer.RUBRIC).")
        Optional<Path> template,
        @Key(value = "60", doc = JudgeClient.TIMEOUT) int timeoutSeconds,
        @Key(value = "8", doc = JudgeClient.CONCURRENCY) int maxConcurrency) implements ScorerConfig {

    static final List<String> PLACEHOLDERS = List.of("prompt", "response");

    public JudgeConfig {
        if (template == null) template = Optional.empty();
        new JudgeClient.Settings(url, model, apiKeyEnv, api, retries, temperature, maxTokens, timeoutSeconds, maxConcurrency);   // checks them
        Check.atLeast("k", k, 1);
        if (k > 1 && temperature == 0) {
            throw new ConfigError("k", "k is " + k + " at temperature 0: the same judgment asked " + k + " times; set k: 1 or temperature > 0");
        }
        JudgeTemplate.read("template", template, JudgeScorer.RUBRIC, PLACEHOLDERS);   // a bad template fails when the config is read
    }

    JudgeClient.Settings settings() {
        return new JudgeClient.Settings(url, model, apiKeyEnv, api, retries, temperature, maxTokens, timeoutSeconds, maxConcurrency);
    }

    @Override public JudgeScorer open(ScorerContext context) {
        return new JudgeScorer(this, JudgeTemplate.read("template", template, JudgeScorer.RUBRIC, PLACEHOLDERS), new JudgeClient(settings(), context));
    }
}
