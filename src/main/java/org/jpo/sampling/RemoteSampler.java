package org.jpo.sampling;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.Seeds;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Samples from an OpenAI-compatible server: one {@code POST /v1/completions} per prompt, all in flight at once
 * (bounded by the client), the prompt sent as token ids so the server sees exactly what a local sampler would.
 *
 * <p>Seeds: a prompt's request carries {@code seed = Seeds.promptSeed(params.seed, 0, prompt.index)}; {@code jpo
 * serve} gives its sample j the stream {@code Seeds.sampleOf(seed, j)}, which is what {@link LocalSampler} uses for
 * that prompt's sample j, so this sampler on {@code jpo serve} returns the local completions. Other servers (vLLM)
 * use the seed their own way: reproducible there, but not equal to local sampling. Each Completion's seed is
 * {@code Seeds.sampleOf(requestSeed, j)} either way. The body is a deterministic function of (prompt, params), so a
 * client cache answers a resumed run's requests.
 *
 * <p>Tokens: a choice's {@code token_ids} (vLLM's {@code return_token_ids}) are the ids sampled. Without them the
 * text is re-tokenized after the prompt ({@link Tokenizer#encodeContinuation}), and the tokenizer's EOS appended when
 * the choice stopped: an approximation, since the server's tokens may differ from a fresh tokenization of the same
 * text (several tokenizations decode alike; byte pieces cut mid-character; special tokens are dropped from text).
 *
 * <p>Log-probs: a choice's {@code logprobs.token_logprobs} (vLLM gives the raw model's, as jpo does). Without them,
 * or when re-tokenized ids do not line up with them, {@link Completion#tokenLogps} is empty and
 * {@link Completion#hasLogps} false.
 */
public final class RemoteSampler implements Sampler {
    /** Fields the sampler sets from the prompt and params; extra fields may not override them. */
    static final Set<String> OWN_FIELDS = Set.of("model", "prompt", "n", "max_tokens", "temperature", "top_p", "top_k",
            "seed", "logprobs", "return_token_ids", "stream", "echo");

    private final OpenAiClient client;
    private final String model;
    private final Tokenizer tok;
    private final Map<String, Object> extraBody;

    /** @param extraBody fields added to every request (e.g. vLLM's {@code min_p}); may not set the sampler's own */
    public RemoteSampler(OpenAiClient client, String model, Tokenizer tok, Map<String, Object> extraBody) {
        if (model == null || model.isBlank()) throw new UserError("remote sampler: the model name is empty");
        for (String f : OWN_FIELDS) {
            if (extraBody.containsKey(f)) throw new UserError("remote sampler: extra body field '" + f + "' is set by the sampler"
                    + " itself (from the prompt and sampling params); remove it");
        }
        this.client = client;
        this.model = model;
        this.tok = tok;
        this.extraBody = new LinkedHashMap<>(extraBody);
    }

    @Override public List<Completion> sample(List<Prompt> prompts, SamplingParams params) {
        List<JsonNode> bodies = prompts.stream().map(p -> body(p, params)).toList();
        List<JsonNode> answers = client.postAll("completions", bodies);
        List<Completion> out = new ArrayList<>(prompts.size() * params.n());
        for (int i = 0; i < prompts.size(); i++) out.addAll(completions(prompts.get(i), params, answers.get(i)));
        return out;
    }

    static long requestSeed(Prompt p, SamplingParams params) { return Seeds.promptSeed(params.seed(), 0, p.index()); }

    /** The request for one prompt; equal inputs give byte-identical JSON (field order fixed). */
    JsonNode body(Prompt p, SamplingParams params) {
        return Jsonl.ROWS.valueToTree(new Request(model, p.ids(), params.n(), params.maxNewTokens(), params.greedy() ? 0.0 : params.temperature(),
                params.topP(), params.topK() > 0 ? params.topK() : null, requestSeed(p, params), 1, true, extraBody));
    }

    /** An OpenAI completions request with vLLM's extensions (top_k, return_token_ids), then the configured extra fields. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Request(String model, int[] prompt, int n, int maxTokens, double temperature, double topP, Integer topK, long seed, int logprobs,
                   boolean returnTokenIds, @JsonAnyGetter Map<String, Object> extra) {}

    /** One prompt's n completions, by choice index. */
    private List<Completion> completions(Prompt p, SamplingParams params, JsonNode answer) {
        JsonNode choices = answer.path("choices");
        if (!choices.isArray() || choices.size() != params.n()) {
            throw error(p, "expected " + params.n() + " choices, got " + (choices.isArray() ? choices.size() : "no 'choices' array"));
        }
        Completion[] byIndex = new Completion[params.n()];
        long seed = requestSeed(p, params);
        for (JsonNode c : choices) {
            JsonNode index = c.path("index");
            if (!index.canConvertToInt() || index.intValue() < 0 || index.intValue() >= params.n() || byIndex[index.intValue()] != null) {
                throw error(p, "choice indices must be 0.." + (params.n() - 1) + " once each, got " + index);
            }
            int j = index.intValue();
            byIndex[j] = completion(p, j, c, Seeds.sampleOf(seed, j));
        }
        return Arrays.asList(byIndex);
    }

    private Completion completion(Prompt p, int j, JsonNode choice, long seed) {
        FinishReason finish = finish(p, j, choice.path("finish_reason"));
        boolean sent = choice.path("token_ids").isArray();
        int[] ids = sent ? ints(p, j, choice.path("token_ids")) : retokenize(p, j, choice, finish);
        JsonNode given = choice.path("logprobs").path("token_logprobs");
        double[] logps = given.isArray() ? logps(p, j, given) : new double[0];
        if (given.isArray() && logps.length != ids.length) {
            if (sent) throw error(p, "choice " + j + " has " + ids.length + " token_ids but " + logps.length + " token_logprobs");
            logps = new double[0];   // they belong to the server's tokens, which we do not have
        }
        return new Completion(p.index(), j, ids, logps, finish, seed);
    }

    private int[] retokenize(Prompt p, int j, JsonNode choice, FinishReason finish) {
        if (!choice.path("text").isTextual()) throw error(p, "choice " + j + " has neither token_ids nor text");
        // Special tokens as the prompt had them: a BOS-led prompt's text re-encodes with BOS, so the shared prefix is found.
        boolean bosLed = tok.bosId().isPresent() && p.ids()[0] == tok.bosId().getAsInt();
        int[] ids = tok.encodeContinuation(tok.decode(p.ids()), p.ids(), choice.path("text").textValue(), bosLed);
        boolean endsInEos = ids.length > 0 && tok.eosId().isPresent() && ids[ids.length - 1] == tok.eosId().getAsInt();
        if (finish == FinishReason.STOP && tok.eosId().isPresent() && !endsInEos) {
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = tok.eosId().getAsInt();
        }
        return ids;
    }

    private static FinishReason finish(Prompt p, int j, JsonNode reason) {
        return switch (reason.asText("")) {
            case "stop" -> FinishReason.STOP;
            case "length" -> FinishReason.LENGTH;
            default -> throw error(p, "choice " + j + " has finish_reason " + reason + "; expected \"stop\" or \"length\"");
        };
    }

    private static int[] ints(Prompt p, int j, JsonNode a) {
        int[] out = new int[a.size()];
        for (int t = 0; t < out.length; t++) {
            if (!a.get(t).canConvertToInt() || !a.get(t).isIntegralNumber()) throw error(p, "choice " + j + " token_ids[" + t + "] is not an integer: " + a.get(t));
            out[t] = a.get(t).intValue();
        }
        return out;
    }

    private static double[] logps(Prompt p, int j, JsonNode a) {
        if (!a.isArray()) return new double[0];
        double[] out = new double[a.size()];
        for (int t = 0; t < out.length; t++) {
            if (!a.get(t).isNumber()) throw error(p, "choice " + j + " token_logprobs[" + t + "] is not a number: " + a.get(t));
            out[t] = a.get(t).doubleValue();
        }
        return out;
    }

    private static UserError error(Prompt p, String message) {
        return new UserError("remote sampler: the answer for prompt " + p.index() + ": " + message);
    }
}
