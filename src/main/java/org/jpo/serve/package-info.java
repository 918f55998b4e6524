/**
 * {@code jpo serve}: an OpenAI-compatible HTTP server (the JDK's {@code com.sun.net.httpserver}) in front of the
 * local KV-cache sampler. Handler threads parse requests and write answers; one decode thread owns the model and
 * batches the rows of concurrent requests into one generation call. Imports {@code sampling}, {@code model},
 * {@code tokenizer}, {@code io} (its JSON mapper) and {@code org.jpo.Seeds}; nothing but {@code cli} imports it.
 */
package org.jpo.serve;
