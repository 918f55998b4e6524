package org.jpo.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.tree.Node;
import org.jpo.UserError;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model's chat template: the Jinja program HF keeps in {@code tokenizer_config.json}'s {@code chat_template}
 * (or in {@code chat_template.jinja}) that turns a list of messages into the text the model was trained on.
 * It runs in Jinjava set up like transformers' Jinja2 environment ({@link Jinja}) with the variables
 * transformers passes: {@code messages} (each {@code {"role", "content"}}), {@code add_generation_prompt},
 * {@code bos_token}, {@code eos_token}, and the functions {@code raise_exception(msg)} and
 * {@code strftime_now(format)} (today's date, e.g. in SmolLM3's system prompt).
 *
 * <p>A template that calls {@code raise_exception} rejects the conversation: {@link Rejected}. Any other
 * template failure (bad syntax, an unknown method) is a {@link UserError} naming the template's origin.
 */
public final class ChatTemplate {
    /** One chat turn. */
    public record Message(String role, String content) {
        public Message {
            if (role == null || content == null) throw new IllegalArgumentException("a message needs a role and a content");
        }
    }

    /** The template called {@code raise_exception}: these messages are not a conversation it accepts. */
    public static final class Rejected extends UserError {
        public Rejected(String message) { super(message); }
    }

    /**
     * The built-in template for models without one: each message as {@code "{role}: {content}\n"}, and
     * {@code "assistant:"} as the generation prompt. The generation prompt has no trailing space, so the
     * answer's text starts with one (" Hello"); SentencePiece tokenizers then see "assistant:" followed by
     * "▁Hello", the same tokens whether the prompt is encoded alone or with its answer (as HH-RLHF's
     * "Assistant:" convention).
     */
    static final String PLAIN = "{% for message in messages %}"
            + "{{ message['role'] + ': ' + message['content'] + '\\n' }}"
            + "{% endfor %}"
            + "{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}";

    private final String source;
    private final String origin;
    private final Optional<String> bosToken;
    private final Optional<String> eosToken;
    /** What {@code strftime_now} reads; the system clock except in tests. */
    private final Clock clock;
    /** Parsed once: parsing costs several times more than rendering, and a dataset renders every row. */
    private final Node tree;

    private ChatTemplate(String source, String origin, Optional<String> bosToken, Optional<String> eosToken) {
        // transformers' strftime_now is datetime.now(): local time
        this(source, origin, bosToken, eosToken, Clock.systemDefaultZone(), parse(source, origin));
    }

    private ChatTemplate(String source, String origin, Optional<String> bosToken, Optional<String> eosToken, Clock clock, Node tree) {
        this.source = source;
        this.origin = origin;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.clock = clock;
        this.tree = tree;
    }

    private static Node parse(String source, String origin) {
        JinjavaInterpreter parser = Jinja.ENV.newInterpreter();
        Node tree = parser.parse(Jinja.source(source));
        for (TemplateError error : parser.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new UserError(origin + ": cannot parse (template line " + error.getLineno() + "): " + error.getMessage());
            }
        }
        return tree;
    }

    /** This template with {@code strftime_now} reading {@code clock}: tests compare renderings on a fixed date. */
    ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, origin, bosToken, eosToken, clock, tree);
    }

    /**
     * A template from Jinja source; {@code origin} says where it came from in error messages, the tokens are
     * what {@code bos_token}/{@code eos_token} hold (absent: undefined in the template). A template that does
     * not parse is a {@link UserError}.
     */
    public static ChatTemplate of(String source, String origin, Optional<String> bosToken, Optional<String> eosToken) {
        return new ChatTemplate(source, origin, bosToken, eosToken);
    }

    /** The built-in plain template ({@link #PLAIN}): no special tokens. */
    public static ChatTemplate plain() {
        return new ChatTemplate(PLAIN, "the built-in plain chat template", Optional.empty(), Optional.empty());
    }

    /**
     * The chat template of a model directory ({@code chat_template.jinja}, else {@code tokenizer_config.json}'s
     * {@code chat_template}), of a {@code .jinja} file, or of a {@code .json} file (a
     * {@code tokenizer_config.json}, or a {@code tokenizer.json} whose neighbouring config is read).
     * BOS/EOS texts come from the {@code tokenizer_config.json} next to it. Empty when there is no
     * template (e.g. a llama2.c weights file); a template that cannot be read is a {@link UserError}.
     */
    public static Optional<ChatTemplate> load(Path modelDirOrFile) {
        if (!Files.exists(modelDirOrFile)) throw new UserError("chat template: no such file or directory: " + modelDirOrFile);
        Path dir = Files.isDirectory(modelDirOrFile) ? modelDirOrFile : modelDirOrFile.toAbsolutePath().getParent();
        String name = modelDirOrFile.getFileName().toString();
        Path config = name.equals("tokenizer_config.json") ? modelDirOrFile : dir.resolve("tokenizer_config.json");
        Path jinja = name.endsWith(".jinja") ? modelDirOrFile : dir.resolve("chat_template.jinja");
        boolean hfFile = Files.isDirectory(modelDirOrFile) || name.endsWith(".jinja") || name.endsWith(".json");
        if (!hfFile) return Optional.empty();
        Optional<JsonNode> cfg = Files.isRegularFile(config) ? Optional.of(HfVocab.readJson(config)) : Optional.empty();
        Optional<String> bos = cfg.flatMap(c -> token(c, "bos_token", config));
        Optional<String> eos = cfg.flatMap(c -> token(c, "eos_token", config));
        if (Files.isRegularFile(jinja)) return Optional.of(new ChatTemplate(read(jinja), jinja.toString(), bos, eos));
        return cfg.flatMap(c -> fromConfig(c, config)).map(t -> new ChatTemplate(t, config + " chat_template", bos, eos));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError("cannot read chat template " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code chat_template}: a string, or a list of {@code {"name", "template"}} of which "default" is used. */
    private static Optional<String> fromConfig(JsonNode config, Path file) {
        JsonNode t = config.path("chat_template");
        if (t.isMissingNode() || t.isNull()) return Optional.empty();
        if (t.isTextual()) return Optional.of(t.textValue());
        if (!t.isArray()) throw new UserError(file + ": chat_template must be a string or a list of {name, template}, got " + t.getNodeType());
        List<String> names = new ArrayList<>();
        for (JsonNode named : t) {
            names.add(named.path("name").asText());
            if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
                return Optional.of(named.path("template").textValue());
            }
        }
        throw new UserError(file + ": chat_template is a list of named templates " + names + " without a \"default\" one");
    }

    /** bos_token/eos_token: a string, or an AddedToken object with {@code content}; null or absent: none. */
    private static Optional<String> token(JsonNode config, String field, Path file) {
        JsonNode node = config.path(field);
        if (node.isMissingNode() || node.isNull()) return Optional.empty();
        JsonNode content = node.isObject() ? node.path("content") : node;
        if (!content.isTextual()) throw new UserError(file + ": " + field + " is " + node + ", expected a string or {\"content\": string}");
        return Optional.of(content.textValue());
    }

    /**
     * The text of {@code messages}; with {@code addGenerationPrompt}, followed by what starts the assistant's
     * next turn. Throws {@link Rejected} if the template raises an exception about the messages.
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        JinjavaInterpreter interpreter = new JinjavaInterpreter(Jinja.ENV,
                new Context(Jinja.ENV.getGlobalContext(), bindings(messages, addGenerationPrompt)), Jinja.ENV.getGlobalConfig());
        String output;
        JinjavaInterpreter.pushCurrent(interpreter); // Jinjava's functions and filters look up the current interpreter
        try {
            output = interpreter.render(tree);
        } finally {
            JinjavaInterpreter.popCurrent();
        }
        for (TemplateError error : interpreter.getErrors()) {
            if (error.getSeverity() != TemplateError.ErrorType.FATAL) continue;
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof Jinja.Raised raised) throw new Rejected("chat template rejected the messages: " + raised.getMessage());
            }
            throw new UserError(origin + ": cannot render (template line " + error.getLineno() + "): " + error.getMessage());
        }
        return output;
    }

    private Map<String, Object> bindings(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            list.add(map);
        }
        Map<String, Object> bindings = new HashMap<>();
        bindings.put(Jinja.CLOCK, clock);
        bindings.put("messages", list);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bosToken.ifPresent(t -> bindings.put("bos_token", t));
        eosToken.ifPresent(t -> bindings.put("eos_token", t));
        return bindings;
    }

    /** The BOS text the template writes (e.g. {@code "<|begin_of_text|>"}), if the tokenizer config names one. */
    public Optional<String> bosToken() { return bosToken; }

    public Optional<String> eosToken() { return eosToken; }

    /** Where the template came from, for messages. */
    public String origin() { return origin; }

    /** The Jinja source. */
    public String source() { return source; }

    @Override public String toString() { return "chat template (" + origin + ")"; }
}
