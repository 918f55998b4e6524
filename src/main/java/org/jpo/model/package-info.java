/**
 * Decoder-only transformers (Llama and GPT-2 families), weight-name mapping, checkpoints, masked log-probs, the
 * reward model and the pairwise preference model. Imports {@code io} and {@code tensor}.
 */
package org.jpo.model;
