/**
 * The offline demo task: synthetic data, tokenizer, and the SFT starting policy of {@code jpo demo}. Multi-digit
 * addition has answers the {@code math} verifier checks exactly, needs nothing from the network, and a model
 * small enough to train from scratch on a laptop CPU in a minute still gets it only partly right.
 */
package org.jpo.demo;
