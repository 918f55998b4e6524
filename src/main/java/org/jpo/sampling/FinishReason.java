package org.jpo.sampling;

/** Why a sample ended, in the OpenAI API's words. */
public enum FinishReason {
    /** A stop token (EOS) was generated; it is the last token of the completion. */
    STOP,
    /** max_new_tokens was reached or the context window filled. */
    LENGTH;

    @com.fasterxml.jackson.annotation.JsonValue public String wireName() { return name().toLowerCase(java.util.Locale.ROOT); }
}
