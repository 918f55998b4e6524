package org.jpo.sampling;

import java.util.List;

/**
 * Draws completions from a policy: locally with a KV cache now, from a remote OpenAI-compatible server
 * later. Callers never know which. Results are ordered by (prompt, sample index).
 */
public interface Sampler {
    List<Completion> sample(List<Prompt> prompts, SamplingParams params);
}
