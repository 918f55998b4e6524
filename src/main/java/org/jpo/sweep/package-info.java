/**
 * {@code jpo sweep}: recipes × seeds, each a {@code jpo run} in its own process, resolved and checked before any
 * starts. May import loop and train (their configs), eval (costs), config and io; only the CLI imports it.
 */
package org.jpo.sweep;
