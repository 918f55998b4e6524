/**
 * Held-out evaluation, reports and plots: {@link org.jpo.eval.EvalMetrics} computes a round's eval keys from its
 * scored completions, and {@link org.jpo.eval.Report} turns a {@code jpo run} directory into one self-contained
 * {@code report.html} (uPlot inlined from its WebJar, so it opens offline).
 * {@link org.jpo.eval.Evaluation} is the eval phase of a round: it samples, scores and takes log-probs (so it imports
 * {@code sampling}, {@code feedback}, {@code model} and the tensor library); the rows it writes are
 * {@link org.jpo.eval.EvalResult} (eval.json) and {@link org.jpo.eval.RoundRecord} (rounds.jsonl).
 * <p>The report (Report, Charts, Tables, RunView) reads only files through {@code org.jpo.io.RunDir} and the row
 * records: it never touches tensors, so it can be written from any partial run on any machine. Never imports
 * {@code train} or {@code loop}.
 * <p>{@code jpo compare} is built the same way from many run directories: {@link org.jpo.eval.Recipes} groups them
 * (a sweep's {@code <recipe>/seed-<s>/}, or loose runs) by recipe and seed, {@link org.jpo.eval.Comparison} computes
 * each recipe's mean over seeds and its paired difference to a baseline with {@link org.jpo.eval.Stats} (Student t
 * intervals, the paired t-test), {@link org.jpo.eval.Costs} measures what each run cost, and CompareTable and
 * CompareReport print the table and write compare.html.
 */
package org.jpo.eval;
