/**
 * Files: safetensors (mmap), llama2.c weights, JSONL. Imports no other jpo package.
 */
package org.jpo.io;
