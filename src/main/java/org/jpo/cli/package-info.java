/**
 * The commands ({@code jpo train}, {@code jpo generate}, ...): flags in, a stage called, JSON out. May import
 * every other package; nothing imports it.
 */
package org.jpo.cli;
