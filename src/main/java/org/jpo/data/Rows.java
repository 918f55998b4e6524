package org.jpo.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.tokenizer.ChatTemplate.Message;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Data rows (TRL's dataset formats) → their texts, before tokenization. Every field is a string, or for
 * conversational rows a list of {@code {"role", "content"}} messages (all of a row's fields in the same
 * form), rendered with the chat template. Anything else is a {@link BadRow} naming the field.
 *
 * <ul>
 *   <li>paired: {@code {"prompt", "chosen", "rejected"}}, prompt optional (implicit: {@link ImplicitPrompt}),
 *       optional {@code "margin"} (a number), {@code "chosen_win_prob"} + {@code "rejected_win_prob"}
 *       (both, each in [0, 1]) and {@code "preference"} (P(chosen ≻ rejected) in [0, 1], which inpo and egpo read, and a preference model's soft label);
 *   <li>unpaired: {@code {"prompt", "completion", "label": true|false}};
 *   <li>SFT: {@code {"prompt", "completion"}} or {@code {"text"}} (a string; the whole text is the completion);
 *   <li>ranked: {@code {"prompt", "completions": [...], "scores": [...]}}, two or more completions, one finite score
 *       each (higher is better; equal scores are ties).
 * </ul>
 * Other fields (ids, sources, scores) are ignored.
 */
final class Rows {
    private Rows() {}

    enum Format { PAIRED, UNPAIRED, PROMPT_COMPLETION, TEXT, RANKED }

    /** A pair's texts; an empty prompt or completion means there is none (the loader drops the row). */
    record PairText(String prompt, String chosen, String rejected, OptionalDouble margin,
                    Optional<PairExample.WinProbs> winProbs, OptionalDouble preference) {
        PairText(String prompt, String chosen, String rejected, OptionalDouble margin, Optional<PairExample.WinProbs> winProbs) {
            this(prompt, chosen, rejected, margin, winProbs, OptionalDouble.empty());
        }

        PairText with(OptionalDouble p) { return new PairText(prompt, chosen, rejected, margin, winProbs, p); }
    }

    /** A ranked row's texts: its prompt and completions, and the completions' scores in the same order. */
    record RankedText(String prompt, List<String> completions, double[] scores) {}

    /** A prompt and completion; for a {"text"} row the prompt is "". */
    record CompletionText(String prompt, String completion) {}

    /** Which format a row is in, by its fields; a row that mixes formats or has none is bad. */
    static Format format(ObjectNode row) {
        boolean paired = has(row, "chosen") || has(row, "rejected");
        boolean completion = has(row, "completion");
        boolean text = has(row, "text");
        if (has(row, "completions")) {
            if (paired || completion || text) {
                throw new BadRow("row has both 'completions' (a ranked row) and " + (paired ? "paired fields (chosen/rejected)"
                        : completion ? "'completion'" : "'text'") + "; fields: " + names(row));
            }
            return Format.RANKED;
        }
        if (paired && (completion || text)) throw new BadRow("row has both paired fields (chosen/rejected) and "
                + (completion ? "'completion'" : "'text'") + "; fields: " + names(row));
        if (completion && text) throw new BadRow("row has both 'completion' and 'text'; fields: " + names(row));
        if (paired) return Format.PAIRED;
        if (completion) return has(row, "label") ? Format.UNPAIRED : Format.PROMPT_COMPLETION;
        if (text) return Format.TEXT;
        throw new BadRow("unknown row format: expected {prompt, chosen, rejected}, {prompt, completion, label},"
                + " {prompt, completion}, {text} or {prompt, completions, scores}; fields: " + names(row));
    }

    /** The row is in a format the loader does not take; {@code expected} says which it does. */
    static BadRow wrongFormat(ObjectNode row, Format found, String expected) {
        String name = found.toString().toLowerCase(java.util.Locale.ROOT).replace('_', '/');
        return new BadRow("row is in the " + name + " format, but this loader takes " + expected + "; fields: " + names(row));
    }

    static PairText pair(ObjectNode row, Conversation chat) {
        OptionalDouble preference = has(row, "preference") ? OptionalDouble.of(probability(row, "preference")) : OptionalDouble.empty();
        return texts(row, chat).with(preference);
    }

    private static PairText texts(ObjectNode row, Conversation chat) {
        Field chosen = field(row, "chosen");
        Field rejected = field(row, "rejected");
        Optional<Field> prompt = has(row, "prompt") ? Optional.of(promptField(row)) : Optional.empty();
        OptionalDouble margin = margin(row);
        Optional<PairExample.WinProbs> winProbs = winProbs(row);
        sameForm(row, prompt, chosen, rejected);
        if (chosen instanceof Text c && rejected instanceof Text r) {
            if (prompt.isPresent()) return new PairText(((Text) prompt.get()).s(), c.s(), r.s(), margin, winProbs);
            ImplicitPrompt.Texts t = ImplicitPrompt.split(c.s(), r.s());
            if (t.prompt().isEmpty()) return new PairText("", "", "", margin, winProbs);   // nothing shared: dropped
            return new PairText(t.prompt(), t.chosen(), t.rejected(), margin, winProbs);
        }
        List<Message> c = ((Chat) chosen).messages(), r = ((Chat) rejected).messages();
        ImplicitPrompt.Chats t = prompt.isPresent() ? new ImplicitPrompt.Chats(((Chat) prompt.get()).messages(), c, r)
                : ImplicitPrompt.split(c, r);
        if (t.prompt().isEmpty() || t.chosen().isEmpty() || t.rejected().isEmpty()) {
            return new PairText("", "", "", margin, winProbs); // nothing shared, or nothing after it: dropped
        }
        String p = chat.prompt(t.prompt());
        return new PairText(p, chat.completion(t.prompt(), p, t.chosen(), "chosen"),
                chat.completion(t.prompt(), p, t.rejected(), "rejected"), margin, winProbs);
    }

    /** {@code {"prompt", "completion"}} (unpaired rows also carry a label, read by {@link #label}). */
    static CompletionText promptCompletion(ObjectNode row, Conversation chat) {
        Field prompt = promptField(row);
        Field completion = field(row, "completion");
        sameForm(row, Optional.of(prompt), completion);
        if (prompt instanceof Text p && completion instanceof Text c) return new CompletionText(p.s(), c.s());
        List<Message> p = ((Chat) prompt).messages();
        String promptText = chat.prompt(p);
        return new CompletionText(promptText, chat.completion(p, promptText, ((Chat) completion).messages(), "completion"));
    }

    /** {@code {"prompt", "completions", "scores"}}: two or more completions, all in the prompt's form, one finite score each. */
    static RankedText ranked(ObjectNode row, Conversation chat) {
        Field prompt = promptField(row);
        JsonNode list = row.get("completions");
        if (!list.isArray() || list.size() < 2) {
            throw new BadRow("field 'completions' must be a list of two or more completions, got " + describe(list));
        }
        List<Field> completions = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) completions.add(element(list.get(i), "completions[" + i + "]"));
        double[] scores = scores(row, list.size());
        sameForm(row, Optional.of(prompt), completions.toArray(Field[]::new));
        if (prompt instanceof Text p) return new RankedText(p.s(), completions.stream().map(c -> ((Text) c).s()).toList(), scores);
        List<Message> p = ((Chat) prompt).messages();
        String promptText = chat.prompt(p);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < completions.size(); i++) {
            texts.add(chat.completion(p, promptText, ((Chat) completions.get(i)).messages(), "completions[" + i + "]"));
        }
        return new RankedText(promptText, texts, scores);
    }

    /** {@code scores}: {@code n} finite numbers. */
    private static double[] scores(ObjectNode row, int n) {
        JsonNode v = row.get("scores");
        if (v == null || v.isNull()) throw new BadRow("missing field 'scores' (one number per completion, higher is better); fields: " + names(row));
        if (!v.isArray() || v.size() != n) {
            throw new BadRow("field 'scores' must be a list of " + n + " numbers, one per completion, got " + describe(v));
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            JsonNode s = v.get(i);
            if (!s.isNumber() || !Double.isFinite(s.doubleValue())) throw new BadRow("field 'scores'[" + i + "] must be a finite number, got " + s);
            out[i] = s.doubleValue();
        }
        return out;
    }

    static CompletionText text(ObjectNode row) {
        if (!(field(row, "text") instanceof Text t)) throw new BadRow("field 'text' must be a string, got a list");
        return new CompletionText("", t.s());
    }

    static boolean label(ObjectNode row) {
        JsonNode v = row.get("label");
        if (v == null || !v.isBoolean()) throw new BadRow("field 'label' must be true or false, got " + (v == null ? "nothing" : v));
        return v.booleanValue();
    }

    private sealed interface Field permits Text, Chat {}

    private record Text(String s) implements Field {}

    private record Chat(List<Message> messages) implements Field {}

    /**
     * The prompt may be an empty string: the completion then starts from BOS (as {@code jpo generate --prompt ""}).
     * With a tokenizer that has no BOS the prompt has no tokens and the loader drops the row, counted.
     */
    private static Field promptField(ObjectNode row) {
        JsonNode v = row.get("prompt");
        return v != null && v.isTextual() && v.textValue().isEmpty() ? new Text("") : field(row, "prompt");
    }

    private static Field field(ObjectNode row, String name) {
        JsonNode v = row.get(name);
        if (v == null || v.isNull()) throw new BadRow("missing field '" + name + "'; fields: " + names(row));
        return element(v, name);
    }

    /** A string or a list of messages, named {@code name} in errors. */
    private static Field element(JsonNode v, String name) {
        if (v.isTextual()) {
            if (v.textValue().isEmpty()) throw new BadRow("field '" + name + "' is an empty string");
            return new Text(v.textValue());
        }
        if (v.isArray()) return new Chat(messages(name, v));
        throw new BadRow("field '" + name + "' must be a string or a list of {role, content} messages, got " + describe(v));
    }

    private static List<Message> messages(String name, JsonNode list) {
        if (list.isEmpty()) throw new BadRow("field '" + name + "' is an empty list of messages");
        List<Message> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String where = "field '" + name + "'[" + i + "]";
            if (!m.isObject()) throw new BadRow(where + " must be a {role, content} message, got " + describe(m));
            out.add(new Message(messageText(m, "role", where), messageText(m, "content", where)));
        }
        return out;
    }

    private static String messageText(JsonNode message, String key, String where) {
        JsonNode v = message.get(key);
        if (v == null || !v.isTextual()) throw new BadRow(where + "." + key + " must be a string, got " + (v == null ? "nothing" : describe(v)));
        if (v.textValue().isEmpty()) throw new BadRow(where + "." + key + " is an empty string");
        return v.textValue();
    }

    private static void sameForm(ObjectNode row, Optional<Field> prompt, Field... others) {
        List<Field> all = new ArrayList<>(List.of(others));
        prompt.ifPresent(all::add);
        boolean text = all.get(0) instanceof Text;
        if (all.stream().anyMatch(f -> (f instanceof Text) != text)) {
            throw new BadRow("fields mix strings and message lists; use one form for the whole row; fields: " + names(row));
        }
    }

    private static OptionalDouble margin(ObjectNode row) {
        if (!has(row, "margin")) return OptionalDouble.empty();
        JsonNode v = row.get("margin");
        if (!v.isNumber() || !Double.isFinite(v.doubleValue())) throw new BadRow("field 'margin' must be a finite number, got " + v);
        return OptionalDouble.of(v.doubleValue());
    }

    private static Optional<PairExample.WinProbs> winProbs(ObjectNode row) {
        boolean c = has(row, "chosen_win_prob"), r = has(row, "rejected_win_prob");
        if (!c && !r) return Optional.empty();
        if (c != r) throw new BadRow("field '" + (c ? "rejected_win_prob" : "chosen_win_prob") + "' is missing: win probabilities come in pairs");
        return Optional.of(new PairExample.WinProbs(probability(row, "chosen_win_prob"), probability(row, "rejected_win_prob")));
    }

    private static double probability(ObjectNode row, String name) {
        JsonNode v = row.get(name);
        if (!v.isNumber() || !(v.doubleValue() >= 0 && v.doubleValue() <= 1)) {
            throw new BadRow("field '" + name + "' must be a probability in [0, 1], got " + v);
        }
        return v.doubleValue();
    }

    private static boolean has(ObjectNode row, String name) {
        return row.has(name) && !row.get(name).isNull();
    }

    private static List<String> names(ObjectNode row) {
        List<String> names = new ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String describe(JsonNode v) {
        String s = v.toString();
        return v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " " + (s.length() > 80 ? s.substring(0, 80) + "…" : s);
    }
}
