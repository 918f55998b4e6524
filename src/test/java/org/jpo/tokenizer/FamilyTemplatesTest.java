package org.jpo.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;
import org.jpo.tokenizer.ChatTemplate.Message;
import org.jpo.testing.DebianPython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;

import static org.jpo.tokenizer.ChatTemplateTest.assistant;
import static org.jpo.tokenizer.ChatTemplateTest.system;
import static org.jpo.tokenizer.ChatTemplateTest.template;
import static org.jpo.tokenizer.ChatTemplateTest.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real chat templates of the model families jpo supports ({@code src/test/resources/chat_templates/SOURCES.md}
 * says where each came from), rendered by jpo and by Python's Jinja2 set up as transformers sets it up
 * ({@code src/test/resources/reference/render_chat.py}) on the same conversations: the strings must be equal,
 * and a conversation the template rejects must be rejected with the same message.
 */
class FamilyTemplatesTest {
    /** What strftime_now reads on both sides; SmolLM3 prints it in its system prompt. */
    static final LocalDateTime NOW = LocalDateTime.of(2025, 7, 8, 14, 5, 9);
    static final Clock FIXED = Clock.fixed(NOW.toInstant(ZoneOffset.UTC), ZoneOffset.UTC);

    @TempDir Path tmp;

    /** Each family's template file and the bos/eos tokens of its tokenizer_config.json (null: none). */
    enum Family {
        QWEN3("qwen3", null, "<|im_end|>"),
        GEMMA2("gemma2", "<bos>", "<eos>"),
        GEMMA3("gemma3", "<bos>", "<eos>"),
        PHI3_MINI("phi3", "<s>", "<|endoftext|>"),
        PHI4_MINI("phi4mini", "<|endoftext|>", "<|endoftext|>"),
        SMOLLM3("smollm3", null, "<|im_end|>");

        final String file;
        final String bos;
        final String eos;

        Family(String file, String bos, String eos) {
            this.file = file;
            this.bos = bos;
            this.eos = eos;
        }
    }

    record Conversation(List<Message> messages, boolean addGenerationPrompt) {}

    static Conversation chat(boolean addGenerationPrompt, Message... messages) {
        return new Conversation(List.of(messages), addGenerationPrompt);
    }

    /** Every family sees every conversation; each template takes its own path through them (or rejects them). */
    static final List<Conversation> CONVERSATIONS = List.of(
            chat(true, system("You are a helpful assistant."), user("What is 2+2?")),
            chat(true, user("Hi")),
            chat(false, user("Hi"), assistant("Hello! How can I help?"), user("Tell me a joke.")),
            chat(true, user("Hi"), assistant("Hello! How can I help?"), user("Tell me a joke.")),
            chat(false, user("  Hi  "), assistant("\n\n  Hello there!  \n\n")),
            // Qwen3 splits an assistant turn at </think>: the reasoning is kept only after the last user query
            chat(false, user("What is 2+2?"), assistant("<think>\nTwo plus two.\n</think>\n\nIt is 4."),
                    user("And 3+3?"), assistant("<think>\n\nThree plus three.\n\n</think>\n\n\nIt is 6.\n")),
            chat(true, system("Be brief."), user("What is 2+2?"), assistant("<think>Easy.</think>4"), user("Why?")),
            chat(false, user("Grüße aus Zürich! 日本語は？ 🙂"), assistant("  Ça va — très bien. 👍\u00a0")),
            // SmolLM3 reads flags out of the system prompt; /system_override replaces its whole header
            chat(true, system("Answer in French. /no_think"), user("Bonjour")),
            chat(true, system("/think  "), user("Hi"), assistant("Hello")),
            chat(true, system("Only this. /system_override"), user("Hi")),
            // the templates that check alternation, or refuse a system turn, reject these
            chat(true, user("Hi"), user("Hello?")),
            chat(false, system("Be brief."), assistant("I start."), user("Hi")),
            chat(false, user("Hi"), new Message("tool", "{\"temperature\": 21}"), user("Thanks")));

    @ParameterizedTest
    @EnumSource(Family.class)
    void rendersAsJinja2Does(Family family) throws Exception {
        ChatTemplate t = template(family.file, family.bos, family.eos).withClock(FIXED);
        JsonNode expected = reference(family, CONVERSATIONS);
        for (int i = 0; i < CONVERSATIONS.size(); i++) {
            Conversation c = CONVERSATIONS.get(i);
            assertEquals(expected.get(i), jpo(t, c), family + " conversation " + i + ": " + c);
        }
    }

    /** Slices, keyword arguments, whitespace and dates at their edges, on a hand-written template. */
    @Test void pythonEdgesRenderAsJinja2Does() throws Exception {
        List<Conversation> conversations = List.of(chat(false, user("\u00a0 héllo \u3000 wörld 🙂 x\u00a0\u2007\n")), chat(false, user("ab")));
        ChatTemplate t = ChatTemplate.of(ChatTemplateTest.source("python_edges"), "python_edges", Optional.empty(), Optional.empty()).withClock(FIXED);
        JsonNode expected = reference("python_edges", null, null, conversations);
        for (int i = 0; i < conversations.size(); i++) assertEquals(expected.get(i), jpo(t, conversations.get(i)), "conversation " + i);
    }

    /** The tests above must see each family take its distinctive paths, or they would prove little. */
    @Test void conversationsReachTheTemplatesInterestingPaths() throws Exception {
        JsonNode qwen3 = reference(Family.QWEN3, CONVERSATIONS);
        assertTrue(qwen3.get(5).get("text").asText().endsWith("<think>\nThree plus three.\n</think>\n\nIt is 6.\n<|im_end|>\n"), qwen3.get(5).toString());
        assertFalse(qwen3.get(5).get("text").asText().contains("Two plus two"), qwen3.get(5).toString());
        JsonNode gemma2 = reference(Family.GEMMA2, CONVERSATIONS);
        assertEquals("System role not supported", gemma2.get(0).get("rejected").asText());
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", gemma2.get(11).get("rejected").asText());
        JsonNode gemma3 = reference(Family.GEMMA3, CONVERSATIONS);
        assertTrue(gemma3.get(0).get("text").asText().contains("<start_of_turn>user\nYou are a helpful assistant.\n\nWhat is 2+2?"), gemma3.get(0).toString());
        JsonNode smollm3 = reference(Family.SMOLLM3, CONVERSATIONS);
        assertTrue(smollm3.get(1).get("text").asText().contains("Today Date: 08 July 2025\nReasoning Mode: /think"), smollm3.get(1).toString());
        assertTrue(smollm3.get(8).get("text").asText().contains("Reasoning Mode: /no_think"), smollm3.get(8).toString());
        assertTrue(smollm3.get(10).get("text").asText().startsWith("<|im_start|>system\nOnly this.<|im_end|>"), smollm3.get(10).toString());
    }

    /** Without a fixed clock, strftime_now is today's date. */
    @Test void strftimeNowIsToday() {
        ChatTemplate t = ChatTemplate.of("{{ strftime_now('%Y-%m-%d') }}", "today", Optional.empty(), Optional.empty());
        LocalDate before = LocalDate.now();
        String today = t.render(List.of(user("Hi")), false);
        assertTrue(today.equals(before.toString()) || today.equals(LocalDate.now().toString()), today);
    }

    /** jpo's rendering in render_chat.py's form: {"text"}, {"rejected"} or {"failed"}. */
    static JsonNode jpo(ChatTemplate t, Conversation c) {
        ObjectNode out = new ObjectMapper().createObjectNode();
        try {
            out.put("text", t.render(c.messages(), c.addGenerationPrompt()));
        } catch (ChatTemplate.Rejected e) {
            out.put("rejected", e.getMessage().replaceFirst("^chat template rejected the messages: ", ""));
        } catch (UserError e) {
            out.put("failed", e.getMessage());
        }
        return out;
    }

    private JsonNode reference(Family family, List<Conversation> conversations) throws IOException, InterruptedException {
        return reference(family.file, family.bos, family.eos, conversations);
    }

    /** Jinja2's renderings of {@code conversations} with the template {@code file}, one per conversation. */
    private JsonNode reference(String file, String bos, String eos, List<Conversation> conversations) throws IOException, InterruptedException {
        DebianPython.require("jinja2", "the reference renderer needs it");
        ObjectMapper json = new ObjectMapper();
        ObjectNode request = json.createObjectNode();
        request.put("template", ChatTemplateTest.source(file));
        if (bos != null) request.put("bos_token", bos);
        if (eos != null) request.put("eos_token", eos);
        request.put("now", NOW.toString());
        ArrayNode list = request.putArray("conversations");
        for (Conversation c : conversations) {
            ObjectNode node = list.addObject().put("add_generation_prompt", c.addGenerationPrompt());
            ArrayNode messages = node.putArray("messages");
            for (Message m : c.messages()) messages.addObject().put("role", m.role()).put("content", m.content());
        }
        Path script = tmp.resolve("render_chat.py");
        if (!Files.exists(script)) {
            try (InputStream in = FamilyTemplatesTest.class.getResourceAsStream("/reference/render_chat.py")) {
                Files.copy(in, script);
            }
        }
        Process p = new ProcessBuilder(DebianPython.PYTHON, script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(json.writeValueAsBytes(request));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "render_chat.py failed: " + out);
        JsonNode result = json.readTree(out);
        assertEquals(conversations.size(), result.size(), out);
        return result;
    }
}
