/**
 * Generation: the {@code Sampler} interface, the local KV-cache sampler, token choosers, seeds per
 * (run seed, round, prompt, sample); and remote sampling from an OpenAI-compatible server: {@code OpenAiClient}
 * (bounded concurrency, retries, an on-disk answer cache), {@code RemoteSampler}, and {@code ServerSync} (a new
 * checkpoint onto the server between rounds). {@link org.jpo.sampling.Samples} turns completions into
 * {@link org.jpo.sampling.SampleRow}s, the rows of samples.jsonl and eval_samples.jsonl. Imports {@code model},
 * {@code tokenizer}, {@code io} (and {@code org.jpo.Seeds}).
 */
package org.jpo.sampling;
