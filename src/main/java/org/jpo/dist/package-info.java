/**
 * Data parallelism on PyTorch's c10d: where a process sits (torchrun's environment, {@link org.jpo.dist.World}), the
 * group it joins ({@link org.jpo.dist.Group}: Gloo, with a timeout on every collective), work split by rank
 * ({@link org.jpo.dist.Shards}), DDP's Reducer, and {@code jpo launch}'s ranks. May import tensor, io and config;
 * train, loop and eval import it.
 */
package org.jpo.dist;
