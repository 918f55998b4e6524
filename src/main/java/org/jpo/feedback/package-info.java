/**
 * Scorers: completions in, scores out. {@link org.jpo.feedback.Verifier}s check a rule on each completion (math,
 * regex, contains, avoids, length, json; their options are config records); {@code code} runs a completion with its
 * row's tests in a {@link org.jpo.feedback.Sandbox} (bubblewrap, separate processes); the reward model scores with a
 * network. Imports {@code model}, {@code tokenizer}, {@code config} (keys and their errors) and {@code io};
 * never {@code train}.
 */
package org.jpo.feedback;
