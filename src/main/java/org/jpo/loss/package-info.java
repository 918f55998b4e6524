/**
 * Preference losses: pure functions from log-prob tensors to per-example losses and implicit rewards, the loss
 * config and the one switch from names to losses. Imports only libtorch, {@code tensor} and {@code config}.
 */
package org.jpo.loss;
