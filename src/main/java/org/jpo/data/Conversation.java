package org.jpo.data;

import org.jpo.tokenizer.ChatTemplate;
import org.jpo.tokenizer.ChatTemplate.Message;

import java.util.ArrayList;
import java.util.List;

/**
 * Conversational rows as text, as TRL renders them: the prompt is render(prompt messages, with the generation
 * prompt); a completion is render(prompt + completion messages) minus the prompt text, which must be its
 * prefix. A template that rejects the messages, or is not prefix-stable for this row, makes a bad row.
 */
record Conversation(ChatTemplate template) {
    String prompt(List<Message> prompt) {
        return render(prompt, true);
    }

    String completion(List<Message> prompt, String promptText, List<Message> completion, String field) {
        List<Message> all = new ArrayList<>(prompt);
        all.addAll(completion);
        String full = render(all, false);
        if (!full.startsWith(promptText)) {
            throw new BadRow(template + " does not render the prompt (with generation prompt) as a prefix of prompt + "
                    + field + ", so the " + field + " text cannot be cut out: the prompt renders as " + quote(promptText)
                    + ", prompt + " + field + " as " + quote(full));
        }
        return full.substring(promptText.length());
    }

    private String render(List<Message> messages, boolean addGenerationPrompt) {
        try {
            return template.render(messages, addGenerationPrompt);
        } catch (ChatTemplate.Rejected e) {
            throw new BadRow(e.getMessage());
        }
    }

    /** A JSON-escaped excerpt, long enough to see where two renderings differ. */
    private static String quote(String s) {
        String cut = s.length() > 300 ? s.substring(0, 150) + " … " + s.substring(s.length() - 150) : s;
        return "\"" + cut.replace("\\", "\\\\").replace("\n", "\\n").replace("\"", "\\\"") + "\"";
    }
}
