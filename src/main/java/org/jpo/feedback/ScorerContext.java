package org.jpo.feedback;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What a run gives the scorers it opens, beyond their own config.
 *
 * @param requestCache where scorers that call a server (LLM judges) keep its answers, keyed by the full request, so a
 *                     resumed run never asks twice; empty = no cache
 */
public record ScorerContext(Optional<Path> requestCache) {
    public static final ScorerContext NONE = new ScorerContext(Optional.empty());
}
