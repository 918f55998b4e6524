/**
 * Generation: the {@code Sampler} interface, the local KV-cache sampler, token choosers, seeds per
 * (run seed, round, prompt, sample); and remote sampling from an OpenAI-compatible server: {@code OpenAiClient}
 * (bounded concurrency, retries, an on-disk answer cache), {@code RemoteSampler}, and {@code ServerSync} (a new
 * checkpoint onto the server between rounds). Imports {@code model} (and {@code org.jpo.Seeds}).
 */
package org.jpo.sampling;
