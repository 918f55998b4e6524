/**
 * Held-out evaluation, reports and plots: {@link org.jpo.eval.EvalMetrics} computes a round's eval keys from its
 * scored completions, and {@link org.jpo.eval.Report} turns a {@code jpo run} directory into one self-contained
 * {@code report.html} (uPlot inlined from its WebJar, so it opens offline).
 * <p>May import {@code org.jpo.io} and {@code org.jpo.config}; never {@code train}, {@code loop} or the tensor
 * library, so a report can be written from any partial run on any machine.
 */
package org.jpo.eval;
