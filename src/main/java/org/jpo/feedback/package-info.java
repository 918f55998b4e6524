/**
 * Scorers: completions in, scores out. {@link org.jpo.feedback.Verifier}s check a rule on each completion (math,
 * regex, contains, avoids, length, json; their options are config records); {@code code} runs a completion with its
 * row's tests in a {@link org.jpo.feedback.Sandbox} (bubblewrap, separate processes); the reward model scores with a
 * network; {@code implicit_reward} with the policy being trained; an {@code ensemble} averages members and keeps
 * their spread; LLM judges ({@link org.jpo.feedback.JudgeScorer} pointwise, {@link org.jpo.feedback.PairwiseJudgeScorer}
 * A-vs-B) ask an OpenAI-compatible server, which is the policy itself when it is the policy's {@code jpo serve}
 * (self-rewarding); a {@code preference_model} compares a prompt's completions two at a time, by a trained
 * {@link org.jpo.model.PreferenceModel}, the pairwise judge or a tabular {@link org.jpo.feedback.PreferenceGame}, each
 * completion's score its mean win probability. {@link org.jpo.feedback.ScoredRows} scores a phase's sample rows. Imports {@code model},
 * {@code tokenizer}, {@code sampling} (the OpenAI client, the rows), {@code config}
 * (keys and their errors) and {@code io}; never {@code train}.
 */
package org.jpo.feedback;
