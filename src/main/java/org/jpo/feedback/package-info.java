/**
 * Scorers: completions in, scores out (today the reward model). Imports {@code model} and {@code tokenizer};
 * never {@code train}.
 */
package org.jpo.feedback;
