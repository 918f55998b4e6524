package org.jpo.tokenizer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.testing.Shared;
import org.jpo.tokenizer.ChatTemplate.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chat templates in the styles of ChatML (Qwen), Llama-3, Zephyr and Mistral, hand-written in
 * {@code src/test/resources/chat_templates/}. Every expected string was produced by Python's Jinja2 3.1.6 set
 * up as transformers does ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} plus
 * {@code raise_exception}), so these tests compare Jinjava with the reference implementation.
 */
class ChatTemplateTest {
    static Message user(String c) { return new Message("user", c); }

    static Message assistant(String c) { return new Message("assistant", c); }

    static Message system(String c) { return new Message("system", c); }

    static ChatTemplate template(String name, String bos, String eos) {
        return ChatTemplate.of(source(name), name, Optional.ofNullable(bos), Optional.ofNullable(eos));
    }

    static String source(String name) {
        try {
            return Files.readString(Path.of(ChatTemplateTest.class.getResource("/chat_templates/" + name + ".jinja").toURI()));
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test void chatml() {
        ChatTemplate t = template("chatml", null, null);
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\n", t.render(List.of(user("Hi")), true));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
                + "Hello!<|im_end|>\n", t.render(List.of(system("Be brief."), user("Hi"), assistant("Hello!")), false));
    }

    @Test void llama3() {
        ChatTemplate t = template("llama3", "<|begin_of_text|>", "<|eot_id|>");
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                t.render(List.of(system(" Be brief. "), user("Hi")), true));
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>",
                t.render(List.of(user("Hi"), assistant(" Hello! ")), false));
    }

    @Test void zephyrNeedsTrimBlocks() {
        ChatTemplate t = template("zephyr", "<s>", "</s>");
        assertEquals("<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\n",
                t.render(List.of(system("Be brief."), user("Hi")), true));
        assertEquals("<|user|>\nHi</s>\n<|assistant|>\nHello!</s>\n", t.render(List.of(user("Hi"), assistant("Hello!")), false));
    }

    @Test void mistralNamespaceSlicingAndStringMethods() {
        ChatTemplate t = template("mistral", "<s>", "</s>");
        assertEquals("<s>[INST] Be brief.\n\nHi [/INST] Hello!</s>[INST] Bye [/INST]",
                t.render(List.of(system(" Be brief. "), user("  Hi"), assistant("Hello!  "), user("Bye")), false));
    }

    @Test void raiseExceptionRejectsTheMessages() {
        ChatTemplate t = template("mistral", "<s>", "</s>");
        var e = assertThrows(ChatTemplate.Rejected.class, () -> t.render(List.of(user("Hi"), user("Again")), false));
        assertEquals("chat template rejected the messages: Conversation roles must alternate user/assistant/user/assistant/...",
                e.getMessage());
        e = assertThrows(ChatTemplate.Rejected.class, () -> t.render(List.of(user("Hi"), new Message("tool", "x")), false));
        assertEquals("chat template rejected the messages: Only user and assistant roles are supported, got tool", e.getMessage());
    }

    /** {% generation %} is a block tag (transformers' AssistantTracker), so trim_blocks eats the newline after it. */
    @Test void pythonStringMethodsAndGenerationBlocks() {
        ChatTemplate t = template("pystrings", null, null);
        assertEquals("Hello world x |  Hello world x|Hello world x|Hello world|USER|User|T|T|3|  He++o wor+d x |Hello-world-x|User"
                + "all  llamas no|all  llamas no|all  llamas no|all  llamas no|ASSISTANT|Assistant|F|T|3|a++  ++amas no|all-llamas-no|Assistant",
                t.render(List.of(user("  Hello world x "), assistant("all  llamas no")), false));
    }

    @Test void brokenTemplateIsAUserErrorNamingItsOrigin() {
        ChatTemplate t = ChatTemplate.of("{{ messages[0]['content'].nosuchmethod() }}", "my/tokenizer_config.json",
                Optional.empty(), Optional.empty());
        var e = assertThrows(UserError.class, () -> t.render(List.of(user("Hi")), false));
        assertTrue(e.getMessage().startsWith("my/tokenizer_config.json: cannot render (template line 1): "), e.getMessage());
        assertTrue(e.getMessage().contains("nosuchmethod"), e.getMessage());
        // a template that does not parse fails when it is loaded, before any row
        e = assertThrows(UserError.class, () -> ChatTemplate.of("{% for m in messages %}{{ m.role }}", "x", Optional.empty(), Optional.empty()));
        assertTrue(e.getMessage().startsWith("x: cannot parse (template line 1): "), e.getMessage());
    }

    @Test void plainTemplate() {
        ChatTemplate t = ChatTemplate.plain();
        assertEquals("system: Be brief.\nuser: Hi\nassistant:", t.render(List.of(system("Be brief."), user("Hi")), true));
        assertEquals("user: Hi\nassistant: Hello!\n", t.render(List.of(user("Hi"), assistant("Hello!")), false));
        assertEquals(Optional.empty(), t.bosToken());
    }

    static void write(Path file, ObjectNode json) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, Jsonl.JSON.writeValueAsString(json));
    }

    @Test void loadsFromTokenizerConfig(@TempDir Path dir) throws IOException {
        ObjectNode config = JsonNodeFactory.instance.objectNode();
        config.put("chat_template", source("zephyr"));
        config.putObject("bos_token").put("content", "<s>").put("lstrip", false); // an AddedToken object
        config.put("eos_token", "</s>");
        write(dir.resolve("tokenizer_config.json"), config);
        ChatTemplate t = ChatTemplate.load(dir).orElseThrow();
        assertEquals(Optional.of("<s>"), t.bosToken());
        assertEquals(Optional.of("</s>"), t.eosToken());
        assertEquals("<|user|>\nHi</s>\n<|assistant|>\n", t.render(List.of(user("Hi")), true));
        // the same through the config file itself, and through the tokenizer.json next to it
        assertEquals(source("zephyr"), ChatTemplate.load(dir.resolve("tokenizer_config.json")).orElseThrow().source());
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        assertEquals(source("zephyr"), ChatTemplate.load(dir.resolve("tokenizer.json")).orElseThrow().source());
        // chat_template.jinja (newer transformers) wins over the config's template
        Files.writeString(dir.resolve("chat_template.jinja"), source("chatml"));
        assertEquals(source("chatml"), ChatTemplate.load(dir).orElseThrow().source());
        assertEquals(Optional.of("<s>"), ChatTemplate.load(dir).orElseThrow().bosToken());
    }

    @Test void namedTemplatesUseDefault(@TempDir Path dir) throws IOException {
        ObjectNode config = JsonNodeFactory.instance.objectNode();
        var list = config.putArray("chat_template");
        list.addObject().put("name", "tool_use").put("template", "TOOLS");
        list.addObject().put("name", "default").put("template", source("chatml"));
        write(dir.resolve("tokenizer_config.json"), config);
        assertEquals(source("chatml"), ChatTemplate.load(dir).orElseThrow().source());

        list.remove(1);
        write(dir.resolve("tokenizer_config.json"), config);
        var e = assertThrows(UserError.class, () -> ChatTemplate.load(dir));
        assertEquals(dir.resolve("tokenizer_config.json") + ": chat_template is a list of named templates [tool_use]"
                + " without a \"default\" one", e.getMessage());
    }

    @Test void noTemplate(@TempDir Path dir) throws IOException {
        assertEquals(Optional.empty(), ChatTemplate.load(dir)); // no files at all
        write(dir.resolve("tokenizer_config.json"), JsonNodeFactory.instance.objectNode().put("eos_token", "</s>"));
        assertEquals(Optional.empty(), ChatTemplate.load(dir));
        assertEquals(Optional.empty(), ChatTemplate.load(Shared.stories260K())); // a llama2.c weights file
        var e = assertThrows(UserError.class, () -> ChatTemplate.load(dir.resolve("missing")));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
        write(dir.resolve("tokenizer_config.json"), JsonNodeFactory.instance.objectNode().put("chat_template", 3));
        e = assertThrows(UserError.class, () -> ChatTemplate.load(dir));
        assertTrue(e.getMessage().contains("chat_template must be a string or a list"), e.getMessage());
    }
}
