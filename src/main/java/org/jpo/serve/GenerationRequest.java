package org.jpo.serve;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.UserError;
import org.jpo.sampling.Choice;
import org.jpo.tokenizer.ChatTemplate;
import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@code /v1/completions} or {@code /v1/chat/completions} body, checked field by field (each bad field is a
 * 400 naming it). Fields that do not change the samples (user, ...) are ignored, as vLLM does; a sampling setting the
 * server does not implement (min_p, penalties, logit_bias, beam search) at a value that would change them is a 400,
 * never silently dropped.
 *
 * @param prompts        token ids of each prompt (chat: one, the rendered messages)
 * @param n              samples per prompt
 * @param maxTokens      most tokens per sample
 * @param seed           sample j's stream is {@code Seeds.sampleOf(seed, j)}; drawn per request when absent
 * @param logprobs       include log-probs (completions: {@code logprobs} is an integer; chat: a boolean)
 * @param stop           the text is cut before the first of these, finish_reason "stop"
 * @param returnTokenIds vLLM's extension: each choice carries its generated {@code token_ids}
 * @param includeUsage   streaming only: a last chunk with {@code usage} ({@code stream_options.include_usage})
 */
record GenerationRequest(boolean chat, List<int[]> prompts, int n, Choice choice, int maxTokens, long seed, boolean logprobs,
                         List<String> stop, boolean returnTokenIds, boolean stream, boolean includeUsage) {

    /** OpenAI's default max_tokens for completions; chat defaults to what the context window has left. */
    static final int COMPLETIONS_MAX_TOKENS = 16;

    static GenerationRequest parse(JsonNode body, boolean chat, Served s, String servedName, int maxN) {
        if (!body.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object");
        JsonNode model = field(body, "model");
        if (model != null && !model.isTextual()) throw ApiError.invalid("model", "model must be a string");
        if (model != null && !model.textValue().equals(servedName)) {
            throw ApiError.notFound("model", "model_not_found", "The model `" + model.textValue() + "` does not exist; this server serves `"
                    + servedName + "`");
        }
        List<int[]> prompts = chat ? List.of(chatPrompt(body, s)) : prompts(body, s);
        int n = integer(body, "n", 1);
        if (n < 1 || n > maxN) throw ApiError.invalid("n", "n must be between 1 and " + maxN + " (--max-n), got " + n);
        Choice choice = choice(body);
        int longest = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
        JsonNode maxField = chat && field(body, "max_completion_tokens") != null ? field(body, "max_completion_tokens") : field(body, "max_tokens");
        String maxName = chat && field(body, "max_completion_tokens") != null ? "max_completion_tokens" : "max_tokens";
        int maxTokens = maxField == null ? (chat ? s.window() - longest : COMPLETIONS_MAX_TOKENS) : integer(body, maxName, 0);
        if (maxTokens < 1) throw ApiError.invalid(maxName, maxName + " must be >= 1, got " + maxTokens);
        if (longest + maxTokens > s.window()) {
            throw ApiError.invalid(maxName, "This model's maximum context length is " + s.window() + " tokens. However, you requested "
                    + (longest + maxTokens) + " tokens (" + longest + " in the " + (chat ? "messages" : "prompt") + ", " + maxTokens
                    + " in the completion). Please reduce the length of the " + (chat ? "messages" : "prompt") + " or " + maxName + ".");
        }
        JsonNode seed = field(body, "seed");
        if (seed != null && !seed.canConvertToLong()) throw ApiError.invalid("seed", "seed must be an integer, got " + seed);
        boolean stream = bool(body, "stream", false);
        JsonNode options = field(body, "stream_options");
        boolean usage = options != null && options.isObject() && options.path("include_usage").asBoolean(false);
        if (bool(body, "echo", false)) throw ApiError.invalid("echo", "echo is not supported");
        unsupported(body);
        return new GenerationRequest(chat, prompts, n, choice, maxTokens,
                seed == null ? ThreadLocalRandom.current().nextLong() : seed.longValue(), logprobs(body, chat),
                stop(body), bool(body, "return_token_ids", false), stream, usage);
    }

    /** Sampling settings jpo serve does not implement, each with the value that leaves sampling unchanged. */
    private static final java.util.Map<String, Double> NEUTRAL = java.util.Map.of("min_p", 0.0, "presence_penalty", 0.0,
            "frequency_penalty", 0.0, "repetition_penalty", 1.0);

    private static void unsupported(JsonNode body) {
        NEUTRAL.forEach((k, neutral) -> {
            JsonNode v = field(body, k);
            if (v != null && !(v.isNumber() && v.doubleValue() == neutral)) {
                throw ApiError.invalid(k, k + " is not supported by jpo serve (only " + neutral + ", which changes nothing); got " + v);
            }
        });
        JsonNode bias = field(body, "logit_bias");
        if (bias != null && !(bias.isObject() && bias.isEmpty())) throw ApiError.invalid("logit_bias", "logit_bias is not supported by jpo serve");
        if (bool(body, "use_beam_search", false)) throw ApiError.invalid("use_beam_search", "beam search is not supported by jpo serve");
    }

    /** {@code prompt}: a string, a list of token ids, or a list of either (one prompt each). */
    private static List<int[]> prompts(JsonNode body, Served s) {
        JsonNode p = field(body, "prompt");
        if (p == null) throw ApiError.invalid("prompt", "prompt is required");
        List<int[]> out = new ArrayList<>();
        if (p.isTextual()) out.add(encode(p.textValue(), s));
        else if (p.isArray() && p.size() > 0 && p.get(0).isNumber()) out.add(ids(p, s));
        else if (p.isArray() && p.size() > 0) {
            for (JsonNode each : p) {
                if (each.isTextual()) out.add(encode(each.textValue(), s));
                else if (each.isArray()) out.add(ids(each, s));
                else throw ApiError.invalid("prompt", "prompt must be a string, a list of token ids, or a list of those");
            }
        } else throw ApiError.invalid("prompt", "prompt must be a string, a non-empty list of token ids, or a list of those");
        return out;
    }

    private static int[] ids(JsonNode list, Served s) {
        int vocab = s.model().config().vocabSize();
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = list.get(i);
            if (!id.isIntegralNumber() || id.asLong() < 0 || id.asLong() >= vocab) {
                throw ApiError.invalid("prompt", "prompt token " + i + " is " + id + "; token ids are integers in [0, " + vocab + ")");
            }
            ids[i] = id.intValue();
        }
        if (ids.length == 0) throw ApiError.invalid("prompt", "a prompt of token ids must have at least one (BOS)");
        return ids;
    }

    /** Prompt text with the tokenizer's special tokens (BOS); "" is BOS alone, as {@code jpo generate}. */
    private static int[] encode(String text, Served s) {
        Tokenizer t = s.tokenizer();
        int[] ids = t.encode(text, true);
        if (ids.length > 0) return ids;
        int bos = t.bosId().orElse(s.model().config().bosId().orElse(-1));
        if (bos < 0) throw ApiError.invalid("prompt", "empty prompt, and the model has no BOS token to start from");
        return new int[] {bos};
    }

    /** The messages rendered with the chat template; BOS is prepended unless the template wrote it. */
    private static int[] chatPrompt(JsonNode body, Served s) {
        ChatTemplate template = s.template().orElseThrow(() -> ApiError.invalid("messages", "the model " + s.path()
                + " has no chat template, so /v1/chat/completions cannot render messages; start the server with"
                + " --chat-template FILE or use /v1/completions"));
        JsonNode messages = field(body, "messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiError.invalid("messages", "messages must be a non-empty list of {role, content}");
        }
        List<ChatTemplate.Message> list = new ArrayList<>();
        for (JsonNode m : messages) list.add(message(m, list.size()));
        String text;
        try {
            text = template.render(list, true);
        } catch (UserError e) {
            throw ApiError.invalid("messages", e.getMessage());
        }
        Tokenizer t = s.tokenizer();
        int[] ids = t.encode(text, false);
        int bos = t.bosId().orElse(-1);
        if (bos >= 0 && (ids.length == 0 || ids[0] != bos)) {
            int[] with = new int[ids.length + 1];
            with[0] = bos;
            System.arraycopy(ids, 0, with, 1, ids.length);
            ids = with;
        }
        if (ids.length == 0) throw ApiError.invalid("messages", "the rendered messages have no tokens");
        return ids;
    }

    /** {@code {"role": ..., "content": string | [{"type": "text", "text": ...}]}}. */
    private static ChatTemplate.Message message(JsonNode m, int i) {
        String where = "messages[" + i + "]";
        if (!m.isObject() || !m.path("role").isTextual()) throw ApiError.invalid(where, where + " must be an object with a string role");
        JsonNode content = m.path("content");
        if (content.isTextual()) return new ChatTemplate.Message(m.get("role").textValue(), content.textValue());
        if (!content.isArray()) throw ApiError.invalid(where, where + ".content must be a string or a list of text parts");
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                throw ApiError.invalid(where, where + ".content: only {\"type\": \"text\", \"text\": ...} parts are supported");
            }
            text.append(part.get("text").textValue());
        }
        return new ChatTemplate.Message(m.get("role").textValue(), text.toString());
    }

    /** temperature (0 = greedy), top_p, top_k (vLLM's; 0 or -1 = off). */
    private static Choice choice(JsonNode body) {
        double temperature = number(body, "temperature", 1.0);
        double topP = number(body, "top_p", 1.0);
        int topK = integer(body, "top_k", 0);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw ApiError.invalid("temperature", "temperature must be >= 0 (0 = greedy), got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) throw ApiError.invalid("top_p", "top_p must be in (0, 1], got " + topP);
        if (topK < -1) throw ApiError.invalid("top_k", "top_k must be >= 0 (0 or -1 = off), got " + topK);
        return temperature == 0 ? Choice.GREEDY : new Choice(temperature, Math.max(0, topK), topP, false);
    }

    /** Completions: an integer number of top alternatives (only the chosen token's log-prob is given); chat: a boolean. */
    private static boolean logprobs(JsonNode body, boolean chat) {
        JsonNode l = field(body, "logprobs");
        if (l == null) return false;
        if (chat) {
            if (!l.isBoolean()) throw ApiError.invalid("logprobs", "logprobs must be a boolean for chat completions, got " + l);
            return l.booleanValue();
        }
        if (!l.isIntegralNumber() || l.asInt() < 0 || l.asInt() > 20) {
            throw ApiError.invalid("logprobs", "logprobs must be an integer in [0, 20], got " + l);
        }
        return true;
    }

    private static List<String> stop(JsonNode body) {
        JsonNode s = field(body, "stop");
        if (s == null) return List.of();
        List<String> out = new ArrayList<>();
        if (s.isTextual()) out.add(s.textValue());
        else if (s.isArray()) {
            for (JsonNode each : s) {
                if (!each.isTextual()) throw ApiError.invalid("stop", "stop must be a string or a list of strings, got " + s);
                out.add(each.textValue());
            }
        } else throw ApiError.invalid("stop", "stop must be a string or a list of strings, got " + s);
        if (out.contains("")) throw ApiError.invalid("stop", "stop strings must not be empty");
        return out;
    }

    /** A field's value, or null when absent or JSON null. */
    private static JsonNode field(JsonNode body, String name) {
        JsonNode v = body.get(name);
        return v == null || v.isNull() ? null : v;
    }

    private static int integer(JsonNode body, String name, int otherwise) {
        JsonNode v = field(body, name);
        if (v == null) return otherwise;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw ApiError.invalid(name, name + " must be an integer, got " + v);
        return v.intValue();
    }

    private static double number(JsonNode body, String name, double otherwise) {
        JsonNode v = field(body, name);
        if (v == null) return otherwise;
        if (!v.isNumber()) throw ApiError.invalid(name, name + " must be a number, got " + v);
        return v.doubleValue();
    }

    private static boolean bool(JsonNode body, String name, boolean otherwise) {
        JsonNode v = field(body, name);
        if (v == null) return otherwise;
        if (!v.isBoolean()) throw ApiError.invalid(name, name + " must be a boolean, got " + v);
        return v.booleanValue();
    }
}
