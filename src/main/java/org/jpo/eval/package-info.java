/**
 * Held-out evaluation, reports and plots: a round's eval metrics from its scored completions, and the run's
 * report. Reads files and numbers; never trains, never imports train or loop.
 */
package org.jpo.eval;
