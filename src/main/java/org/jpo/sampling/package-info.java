/**
 * Generation: the {@code Sampler} interface, the local KV-cache sampler, token choosers, seeds per
 * (run seed, round, prompt, sample). Imports {@code model} (and {@code org.jpo.Seeds}).
 */
package org.jpo.sampling;
