package org.jpo.loop;

import org.jpo.sampling.OpenAiClient;
import org.jpo.sampling.RemoteSampler;
import org.jpo.sampling.Sampler;
import org.jpo.sampling.ServerSync;
import org.jpo.tokenizer.Tokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code sampling.engine: remote}: the OpenAI-compatible server that holds the policy. It gets each checkpoint the loop
 * needs (sync), and its answers are cached in the scope of the server's present state, as the judges' are.
 */
final class PolicyServer {
    private static final Logger log = LoggerFactory.getLogger(PolicyServer.class);

    private final LoopConfig.SamplingConfig s;
    private final OpenAiClient client;
    private Path holds;   // the checkpoint the server was last given; null until the first sync of this process

    /** @param cacheScope the (round, phase) directory of the request cache, read at each request */
    PolicyServer(LoopConfig.SamplingConfig s, Path cache, Supplier<String> cacheScope) {
        this.s = s;
        this.client = new OpenAiClient(new OpenAiClient.Options(URI.create(s.url().orElseThrow()), s.apiKey(), seconds(s.requestTimeoutSeconds()),
                s.maxConcurrency(), s.maxRetries(), Optional.of(cache)), cacheScope);
    }

    /** Puts {@code checkpoint} on the server unless it holds it already; returns the seconds it took, empty when held. */
    OptionalDouble hold(Path checkpoint) {
        if (checkpoint.equals(holds)) return OptionalDouble.empty();
        long t0 = System.nanoTime();
        log.info("sync: {} to {} ({})", checkpoint, s.url().orElseThrow(), LoopConfig.name(s.sync()));
        switch (s.sync()) {
            case LOAD -> ServerSync.load(client, checkpoint, seconds(s.syncTimeoutSeconds()));
            case COMMAND -> ServerSync.command(s.syncCommand(), checkpoint, seconds(s.syncTimeoutSeconds()), client);
        }
        holds = checkpoint;
        return OptionalDouble.of(Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
    }

    /** Samples from the server, vLLM's min_p passed through when set. */
    Sampler sampler(Tokenizer tok) {
        Map<String, Object> extra = s.minP() > 0 ? Map.of("min_p", s.minP()) : Map.of();
        return new RemoteSampler(client, s.model().orElseThrow(), tok, extra);
    }

    private static Duration seconds(double s) { return Duration.ofMillis((long) (s * 1000)); }
}
