/**
 * The iterative loop ({@code jpo run}): its config, the prompts each round draws, the phases of a round (sample,
 * score, pair, train, evaluate) with their files in the run directory, resume, and the reference and momentum
 * updates between rounds. May import every stage before it (sampling, feedback, pairs, data, train) and eval;
 * nothing imports loop but the CLI and the demo.
 */
package org.jpo.loop;
