package org.jpo.feedback;

import org.jpo.model.Transformer;
import org.jpo.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a run gives the scorers it opens, beyond their own config.
 *
 * @param requestCache where scorers that call a server (LLM judges) keep its answers, keyed by the full request, so a
 *                     resumed run never asks twice; empty = no cache
 * @param policy       the policy being trained, as it is when a scorer is called (implicit_reward reads it); empty
 *                     outside a run
 * @param cacheScope   the cache's subdirectory for the present state of the servers, e.g. {@code round-002/eval} (the
 *                     policy's own server judges differently each round); read at each request
 */
public record ScorerContext(Optional<Path> requestCache, Optional<Policy> policy, Supplier<String> cacheScope) {
    public static final ScorerContext NONE = new ScorerContext(Optional.empty(), Optional.empty());

    public ScorerContext(Optional<Path> requestCache, Optional<Policy> policy) { this(requestCache, policy, () -> ""); }

    /** The run's current policy (the supplier answers the model in memory now, which changes between rounds) and its tokenizer. */
    public record Policy(Supplier<Transformer> model, Tokenizer tokenizer) {}
}
