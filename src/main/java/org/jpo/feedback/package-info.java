/**
 * Scorers: completions in, scores out. {@link org.jpo.feedback.Verifier}s check a rule on each completion (math,
 * regex, contains, avoids, length, json; their options are config records); the reward model scores with a
 * network; LLM judges ({@link org.jpo.feedback.JudgeScorer} pointwise, {@link org.jpo.feedback.PairwiseJudgeScorer}
 * A-vs-B) ask an OpenAI-compatible server, which is the policy itself when it is the policy's {@code jpo serve}
 * (self-rewarding). Imports {@code model}, {@code tokenizer}, {@code sampling} (the OpenAI client), {@code config}
 * (keys and their errors) and {@code io}; never {@code train}.
 */
package org.jpo.feedback;
