/**
 * Files: safetensors (mmap), llama2.c weights, JSONL (typed rows under snake_case names), and the run directory
 * ({@link org.jpo.io.RunDir}: layout, atomic writes, hashes) that the loop writes and the report reads. Imports no
 * other jpo package.
 */
package org.jpo.io;
