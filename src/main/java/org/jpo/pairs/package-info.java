/**
 * Turning scored completions into training rows: preference pairs, unpaired (KTO) labels, SFT targets, groups with
 * advantages or ranked lists, with
 * counts of what was left out (missing scores, ties, all-tied prompts). Pure: hand-made scores in, records out;
 * never touches tensors, files or models.
 * {@link org.jpo.pairs.PairRows} turns a round's sample rows into its {@link org.jpo.pairs.PairRow}s (pairs.jsonl).
 * <p>Imports only {@code org.jpo.config} (for {@link org.jpo.pairs.PairsConfig}), {@code org.jpo.Seeds} (the
 * project's one seed mixer, for {@code best_random}), {@code org.jpo.sampling}'s row records, Jackson's annotations
 * and {@code java.*}.
 */
package org.jpo.pairs;
