package org.jpo.serve;

import org.jpo.testing.Shared;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** A streaming client that hangs up mid-answer: its row is dropped, and the server goes on serving. */
class ServerDisconnectTest {
    @Test void aClientThatLeavesMidStreamHasItsRowDropped() throws Exception {
        try (Server server = Server.start(Server.Options.of(Shared.stories260K(), Optional.of(Shared.tok512())))) {
            Client client = new Client(server);
            String name = Shared.stories260K().toString();
            // greedy from BOS, no EOS stop: a long answer (llama2.c stories end at BOS, which stays a stop id)
            var whole = Client.object().put("model", name).put("prompt", "Once upon a time").put("max_tokens", 400)
                    .put("temperature", 0).put("return_token_ids", true);
            int full = client.post("/v1/completions", whole).json().get("choices").get(0).get("token_ids").size();
            assertTrue(full > 100, "the answer is too short to leave in the middle of: " + full + " tokens");
            long before = client.metric("jpo_generated_tokens_total");

            String body = whole.put("stream", true).toString();
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                for (String line; (line = in.readLine()) != null && !line.contains("data: "); ) { }
            }   // hang up after the first chunk

            assertEquals(200, client.post("/v1/completions", whole.put("stream", false).put("max_tokens", 8)).status());
            long generated = client.metric("jpo_generated_tokens_total") - before - 8;
            assertTrue(generated < full, "the departed client's row ran to the end: " + generated + " of " + full + " tokens");
            assertEquals(0, client.metric("jpo_pending_rows"));
        }
    }

    /**
     * A client killed while its (non-streaming) answer is generated, as a killed jpo run's are: writing the answer
     * fails, which is the client's doing, not a server error.
     */
    @Test void aClientKilledBeforeItsAnswerIsNotAServerError() throws Exception {
        try (Server server = Server.start(Server.Options.of(Shared.stories260K(), Optional.of(Shared.tok512())))) {
            Client client = new Client(server);
            var big = Client.object().put("model", Shared.stories260K().toString()).put("prompt", "Once upon a time").put("max_tokens", 300)
                    .put("n", 32).put("temperature", 1.0).put("seed", 1).put("logprobs", 1).put("return_token_ids", true);
            String body = big.toString();
            try (Socket s = new Socket("127.0.0.1", server.port())) {
                s.setSoLinger(true, 0);   // close with a reset, as a killed process's socket does
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(200);        // the request is in: the server is generating
            }
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (client.metric("jpo_rows_total") < 32 || client.metric("jpo_pending_rows") > 0) {
                assertTrue(System.nanoTime() < deadline, "the rows never ran");
                Thread.sleep(20);
            }
            Thread.sleep(500);            // the handler writes its answer into the reset connection
            assertEquals(0, client.metric("jpo_errors_total{status=\"500\"}"), client.get("/metrics").body());
            assertEquals(200, client.post("/v1/completions", big.put("n", 1).put("max_tokens", 4)).status());
        }
    }
}
