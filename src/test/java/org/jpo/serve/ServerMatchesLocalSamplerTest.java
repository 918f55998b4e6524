package org.jpo.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.Seeds;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;
import org.jpo.sampling.Completion;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.SamplingParams;
import org.jpo.testing.Shared;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The seed contract with the remote sampler: a request for prompt i's token ids with {@code seed:
 * Seeds.promptSeed(run seed, 0, i)} gets exactly the n completions {@link LocalSampler} draws for prompt i.
 */
class ServerMatchesLocalSamplerTest {
    static final List<String> OPENINGS = List.of("Once upon a time", "One day, a little girl named Lily", "Tom and his dog",
            "The sun was shining", "There was a big tree", "Sara liked to play", "A little bird", "Max wanted to");

    static Server server;
    static Transformer model;
    static Tokenizer tok;

    @BeforeAll static void start() {
        server = Server.start(Server.Options.of(Shared.stories260K(), Optional.of(Shared.tok512())));
        model = Checkpoints.load(Shared.stories260K());
        tok = Tokenizers.open(Shared.tok512());
    }

    @AfterAll static void stop() {
        server.close();
        model.close();
    }

    static List<Prompt> prompts() {
        List<Prompt> prompts = new ArrayList<>();
        for (String o : OPENINGS) prompts.add(new Prompt(prompts.size(), tok.encode(o, true)));
        return prompts;
    }

    static ObjectNode request(Prompt p, long runSeed, int n, double temperature, double topP, int maxTokens) {
        ObjectNode body = Client.object().put("model", Shared.stories260K().toString()).put("n", n)
                .put("seed", Seeds.promptSeed(runSeed, 0, p.index())).put("temperature", temperature).put("top_p", topP)
                .put("max_tokens", maxTokens).put("return_token_ids", true).put("logprobs", 1);
        var ids = body.putArray("prompt");
        for (int id : p.ids()) ids.add(id);
        return body;
    }

    @Test void completionsOfTokenIdPromptsAreTheLocalSamplersForTheSameSeeds() {
        var params = new SamplingParams(3, 24, 0.8, 0, 0.9, false, 7);
        List<Prompt> prompts = prompts();
        List<Completion> local = new LocalSampler(model, LocalSampler.stopIds(model, tok), 64).sample(prompts, params);
        Client client = new Client(server);
        double worst = 0;
        for (Prompt p : prompts) {
            Client.Answer a = client.post("/v1/completions", request(p, 7, 3, 0.8, 0.9, 24));
            assertEquals(200, a.status(), a.body());
            JsonNode choices = a.json().get("choices");
            assertEquals(3, choices.size());
            for (int j = 0; j < 3; j++) {
                Completion want = local.get(p.index() * 3 + j);
                JsonNode c = choices.get(j);
                assertEquals(j, c.get("index").asInt());
                int[] ids = ids(c.get("token_ids"));
                assertArrayEquals(want.tokenIds(), ids, "prompt " + p.index() + " sample " + j);
                assertEquals(tok.decodeContinuation(p.ids(), ids), c.get("text").asText());
                assertEquals(want.finish().wireName(), c.get("finish_reason").asText());
                JsonNode lps = c.get("logprobs").get("token_logprobs");
                assertEquals(ids.length, lps.size());
                assertEquals(ids.length, c.get("logprobs").get("tokens").size());
                for (int k = 0; k < ids.length; k++) worst = Math.max(worst, Math.abs(lps.get(k).asDouble() - want.tokenLogps()[k]));
            }
            JsonNode usage = a.json().get("usage");
            assertEquals(p.ids().length, usage.get("prompt_tokens").asInt());
        }
        // the ids are exact; log-probs differ in the last float bits between the local sampler's 24-row batches and the
        // server's 3-row ones (another left padding, other GEMM shapes): 8.1e-6 is the largest difference seen
        assertTrue(worst < 2e-5, "largest log-prob difference between the local sampler and the server: " + worst);
    }

    /** jpo run's engine remote: the real client and RemoteSampler against jpo serve give the local sampler's completions. */
    @Test void theRemoteSamplerOnJpoServeIsTheLocalSampler() {
        List<Prompt> prompts = prompts();
        var client = new org.jpo.sampling.OpenAiClient(org.jpo.sampling.OpenAiClient.Options.of(server.baseUrl()));
        var remote = new org.jpo.sampling.RemoteSampler(client, Shared.stories260K().toString(), tok, java.util.Map.of());
        for (SamplingParams params : List.of(new SamplingParams(4, 20, 1.0, 0, 1.0, false, 11), new SamplingParams(2, 16, 0.7, 40, 0.95, false, 3),
                SamplingParams.greedy(12))) {
            List<Completion> want = new LocalSampler(model, LocalSampler.stopIds(model, tok), 64).sample(prompts, params);
            List<Completion> got = remote.sample(prompts, params);
            assertEquals(want.size(), got.size());
            for (int i = 0; i < want.size(); i++) {
                Completion w = want.get(i), g = got.get(i);
                String at = params + " completion " + i;
                assertEquals(List.of(w.promptIndex(), w.sampleIndex(), w.finish(), w.seed()), List.of(g.promptIndex(), g.sampleIndex(), g.finish(), g.seed()), at);
                assertArrayEquals(w.tokenIds(), g.tokenIds(), at);
                assertArrayEquals(w.tokenLogps(), g.tokenLogps(), 2e-5, at);   // the batches differ: see the test above
            }
        }
    }

    static int[] ids(JsonNode list) {
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = list.get(i).asInt();
        return out;
    }
}
