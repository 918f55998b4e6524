/**
 * Held-out evaluation, reports and plots: {@link org.jpo.eval.Report} turns a {@code jpo run} directory into one
 * self-contained {@code report.html} (uPlot inlined from its WebJar, so it opens offline).
 * <p>May import {@code org.jpo.io} and {@code org.jpo.config}; the report never imports {@code train} or the
 * tensor library, so it can be written from any partial run on any machine.
 */
package org.jpo.eval;
