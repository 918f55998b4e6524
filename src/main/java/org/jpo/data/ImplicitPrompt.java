package org.jpo.data;

import org.jpo.tokenizer.ChatTemplate.Message;

import java.util.List;

/**
 * The prompt of a pair given as two whole conversations ({@code chosen}, {@code rejected} without
 * {@code prompt}): their shared beginning.
 *
 * <p>Strings: the common prefix, cut back to just after the last {@code "Assistant:"} in it when there is
 * one (Anthropic HH-RLHF: "\n\nHuman: … \n\nAssistant: …", where both answers may start with the same
 * words); otherwise TRL's {@code extract_prompt} rule: the common prefix, with a trailing space moved to the
 * completions. Message lists: the shared leading messages.
 */
final class ImplicitPrompt {
    static final String ASSISTANT = "Assistant:";

    private ImplicitPrompt() {}

    record Texts(String prompt, String chosen, String rejected) {}

    record Chats(List<Message> prompt, List<Message> chosen, List<Message> rejected) {}

    static Texts split(String chosen, String rejected) {
        int n = 0;
        int max = Math.min(chosen.length(), rejected.length());
        while (n < max && chosen.charAt(n) == rejected.charAt(n)) n++;
        if (n > 0 && Character.isHighSurrogate(chosen.charAt(n - 1))) n--; // never split a character in two
        String common = chosen.substring(0, n);
        int assistant = common.lastIndexOf(ASSISTANT);
        int cut = assistant >= 0 ? assistant + ASSISTANT.length() : common.endsWith(" ") ? n - 1 : n;
        return new Texts(chosen.substring(0, cut), chosen.substring(cut), rejected.substring(cut));
    }

    static Chats split(List<Message> chosen, List<Message> rejected) {
        int n = 0;
        int max = Math.min(chosen.size(), rejected.size());
        while (n < max && chosen.get(n).equals(rejected.get(n))) n++;
        return new Chats(chosen.subList(0, n), chosen.subList(n, chosen.size()), rejected.subList(n, rejected.size()));
    }
}
