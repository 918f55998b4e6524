package org.jpo.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.io.Jsonl;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * OpenAI's response bodies: {@code text_completion} and {@code chat.completion} objects, their streaming chunks
 * ({@code text_completion} / {@code chat.completion.chunk} with a {@code delta}), and {@code usage}.
 */
final class Responses {
    private Responses() {}

    /** The whole answer once every slot has finished. */
    static ObjectNode complete(GenerationRequest r, String id, long created, String model, List<Slot> slots) {
        ObjectNode o = head(id, r.chat() ? "chat.completion" : "text_completion", created, model);
        ArrayNode choices = o.putArray("choices");
        for (Slot s : slots) {
            ObjectNode c = choices.addObject().put("index", s.index);
            if (r.chat()) {
                c.putObject("message").put("role", "assistant").put("content", s.text()).putNull("refusal");
            } else {
                c.put("text", s.text());
            }
            if (r.logprobs()) c.set("logprobs", r.chat() ? chatLogprobs(s, 0, s.size()) : logprobs(s, 0, s.size()));
            else c.putNull("logprobs");
            c.put("finish_reason", s.finish.wireName());
            if (r.returnTokenIds()) ids(c.putArray("token_ids"), s.ids(), 0, s.size());
        }
        o.set("usage", usage(r, slots));
        return o;
    }

    /**
     * A chunk for slot {@code s}: {@code text} and the tokens [from, to) it came with; a finish reason on the last.
     * Chat chunks carry a {@code delta}; {@code role} starts a chat choice.
     */
    static ObjectNode chunk(GenerationRequest r, String id, long created, String model, Slot s, String text, int from, int to, boolean last) {
        ObjectNode o = head(id, r.chat() ? "chat.completion.chunk" : "text_completion", created, model);
        ObjectNode c = o.putArray("choices").addObject().put("index", s.index);
        if (r.chat()) {
            ObjectNode delta = c.putObject("delta");
            if (!text.isEmpty() || !last) delta.put("content", text);
        } else {
            c.put("text", text);
        }
        if (r.logprobs() && to > from) c.set("logprobs", r.chat() ? chatLogprobs(s, from, to) : logprobs(s, from, to));
        else c.putNull("logprobs");
        if (last) c.put("finish_reason", s.finish.wireName());
        else c.putNull("finish_reason");
        if (r.returnTokenIds()) ids(c.putArray("token_ids"), s.ids(), from, to);
        return o;
    }

    /** The first chunk of a chat choice: {@code delta: {role: assistant, content: ""}}. */
    static ObjectNode role(String id, long created, String model, Slot s) {
        ObjectNode o = head(id, "chat.completion.chunk", created, model);
        ObjectNode c = o.putArray("choices").addObject().put("index", s.index);
        c.putObject("delta").put("role", "assistant").put("content", "");
        c.putNull("logprobs");
        c.putNull("finish_reason");
        return o;
    }

    /** The last chunk with {@code stream_options.include_usage}: no choices, the usage. */
    static ObjectNode usageChunk(GenerationRequest r, String id, long created, String model, List<Slot> slots) {
        ObjectNode o = head(id, r.chat() ? "chat.completion.chunk" : "text_completion", created, model);
        o.putArray("choices");
        o.set("usage", usage(r, slots));
        return o;
    }

    private static ObjectNode head(String id, String object, long created, String model) {
        ObjectNode o = Jsonl.JSON.createObjectNode();
        o.put("id", id).put("object", object).put("created", created).put("model", model);
        return o;
    }

    /** prompt_tokens counts each prompt once, however many samples it has (as OpenAI does). */
    private static ObjectNode usage(GenerationRequest r, List<Slot> slots) {
        int prompt = r.prompts().stream().mapToInt(p -> p.length).sum();
        int completion = slots.stream().mapToInt(Slot::size).sum();
        ObjectNode u = Jsonl.JSON.createObjectNode();
        u.put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
        return u;
    }

    /** Completions' {tokens, token_logprobs, top_logprobs (null: not computed), text_offset} of tokens [from, to). */
    private static ObjectNode logprobs(Slot s, int from, int to) {
        Slot.Pieces pieces = s.pieces();
        double[] lps = s.logps();
        ObjectNode l = Jsonl.JSON.createObjectNode();
        ArrayNode tokens = l.putArray("tokens"), logps = l.putArray("token_logprobs");
        l.putNull("top_logprobs");
        ArrayNode offsets = l.putArray("text_offset");
        for (int k = from; k < to; k++) {
            tokens.add(pieces.tokens().get(k));
            logps.add(lps[k]);
            offsets.add(pieces.offsets()[k]);
        }
        return l;
    }

    /** Chat's {content: [{token, logprob, bytes, top_logprobs: []}]} of tokens [from, to). */
    private static ObjectNode chatLogprobs(Slot s, int from, int to) {
        Slot.Pieces pieces = s.pieces();
        double[] lps = s.logps();
        ObjectNode l = Jsonl.JSON.createObjectNode();
        ArrayNode content = l.putArray("content");
        for (int k = from; k < to; k++) {
            String token = pieces.tokens().get(k);
            ObjectNode t = content.addObject().put("token", token).put("logprob", lps[k]);
            ArrayNode bytes = t.putArray("bytes");
            for (byte b : token.getBytes(StandardCharsets.UTF_8)) bytes.add(b & 0xff);
            t.putArray("top_logprobs");
        }
        l.putNull("refusal");
        return l;
    }

    private static void ids(ArrayNode out, int[] ids, int from, int to) {
        for (int k = from; k < to; k++) out.add(ids[k]);
    }
}
