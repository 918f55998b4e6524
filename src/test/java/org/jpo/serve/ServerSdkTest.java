package org.jpo.serve;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import org.jpo.testing.Shared;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The official OpenAI Java SDK completes, chats and streams against {@code jpo serve} (key, template from a file). */
class ServerSdkTest {
    static final String NAME = "stories260K";
    static final String TEMPLATE = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
            + "{% if add_generation_prompt %}assistant:{% endif %}";
    @TempDir static Path tmp;
    static Server server;
    static OpenAIClient sdk;

    @BeforeAll static void start() throws IOException {
        Path template = Files.writeString(tmp.resolve("chat.jinja"), TEMPLATE);
        server = Server.start(new Server.Options(Shared.stories260K(), Optional.of(Shared.tok512()), "127.0.0.1", 0, Optional.of("k-123"),
                NAME, Optional.of(template), 16, 8));
        sdk = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl().toString()).apiKey("k-123").maxRetries(0).build();
    }

    @AfterAll static void stop() {
        sdk.close();
        server.close();
    }

    static CompletionCreateParams completion() {
        return CompletionCreateParams.builder().model(NAME).prompt("Once upon a time").maxTokens(20).temperature(0.9).seed(5L).n(2L).build();
    }

    static ChatCompletionCreateParams chat() {
        return ChatCompletionCreateParams.builder().model(NAME).addUserMessage("Tell me a story about a cat.").maxCompletionTokens(20L)
                .temperature(0.9).seed(5L).build();
    }

    @Test void completesAndStreamsTheSameText() {
        Completion c = sdk.completions().create(completion()).validate();   // validate(): every required field and constant
        assertEquals(2, c.choices().size());
        String text = c.choices().get(0).text();
        assertFalse(text.isEmpty());
        assertNotEquals(text, c.choices().get(1).text(), "two samples with one seed should differ");
        var usage = c.usage().orElseThrow();
        assertTrue(usage.completionTokens() > 0 && usage.completionTokens() <= 40, "usage " + usage);
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<Completion> s = sdk.completions().createStreaming(completion())) {
            // not validate()d: the SDK types completion chunks as Completion, whose finish_reason is required, yet
            // OpenAI's own streams send null until the last chunk
            s.stream().forEach(chunk -> chunk.choices().stream().filter(ch -> ch.index() == 0).forEach(ch -> streamed.append(ch.text())));
        }
        assertEquals(text, streamed.toString());
    }

    @Test void chatsAndStreamsTheSameText() {
        ChatCompletion c = sdk.chat().completions().create(chat()).validate();
        String text = c.choices().get(0).message().content().orElseThrow();
        assertFalse(text.isEmpty());
        assertEquals(NAME, c.model());
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = sdk.chat().completions().createStreaming(chat())) {
            s.stream().map(ChatCompletionChunk::validate).forEach(chunk -> chunk.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
        }
        assertEquals(text, streamed.toString());
    }
}
