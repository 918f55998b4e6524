/**
 * Training: the trainer, objectives per method, AdamW, schedules, checkpoints and resume, reference log-probs,
 * the {@code jpo train} config. Imports {@code config}, {@code data}, {@code io}, {@code loss}, {@code model},
 * {@code tokenizer}.
 */
package org.jpo.train;
