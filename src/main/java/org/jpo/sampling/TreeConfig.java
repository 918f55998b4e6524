package org.jpo.sampling;

import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;

/**
 * {@code sampling.tree:} Monte Carlo tree search over reasoning steps instead of n full samples per prompt
 * (MCTS-DPO arXiv:2405.00451, Step-level Value Preference Optimization arXiv:2406.10858); {@link TreeSearch} says
 * exactly what a simulation does. The names are a contract.
 */
public record TreeConfig(
        @Key(value = "\"\\n\"", doc = "A step ends after the token whose text completes this string (the token is kept whole, "
                + "so the step holds the delimiter and whatever else that token decodes to), or at EOS.") String stepDelimiter,
        @Key(value = "4", doc = "Next steps drawn from the policy when a node is expanded, >= 2 (identical steps merge).") int children,
        @Key(value = "32", doc = "Simulations (select, expand, evaluate, back up) per prompt, >= 1.") int simulations,
        @Key(value = "6", doc = "Nodes this many steps below the root are not expanded, >= 1.") int maxDepth,
        @Key(value = "1.0", doc = "PUCT's exploration weight: argmax Q(c) + c_puct·P(c)·sqrt(N(parent))/(1 + N(c)), >= 0.") double cPuct,
        @Key(value = "1", doc = "Rollouts to the end per new node; its value is the mean of their scores, >= 1.") int rollouts) {
    public TreeConfig {
        if (stepDelimiter == null || stepDelimiter.isEmpty()) throw new ConfigError("step_delimiter", "step_delimiter must be a non-empty string, e.g. \"\\n\"");
        Check.atLeast("children", children, 2);
        Check.atLeast("simulations", simulations, 1);
        Check.atLeast("max_depth", maxDepth, 1);
        Check.nonNegative("c_puct", cPuct);
        if (!Double.isFinite(cPuct)) throw new ConfigError("c_puct", "c_puct must be a finite number >= 0, got " + cPuct);
        Check.atLeast("rollouts", rollouts, 1);
    }
}
