package org.jpo.feedback;

/** Which OpenAI-compatible endpoint an LLM judge is asked on. */
public enum JudgeApi {
    /** {@code chat/completions}: the judge prompt as one user message, formatted by the server's chat template. */
    CHAT,
    /**
     * {@code completions}: the judge prompt sent as it is, as {@code prompt}, for a model without a chat template
     * (a base or early-round policy judging itself on {@code jpo serve}).
     */
    COMPLETIONS;

    String path() {
        return switch (this) {
            case CHAT -> "chat/completions";
            case COMPLETIONS -> "completions";
        };
    }
}
