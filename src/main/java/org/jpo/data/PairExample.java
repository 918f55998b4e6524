package org.jpo.data;

import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A preference pair: one prompt, a chosen and a rejected completion.
 *
 * @param margin   the row's {@code margin} (reward modelling: how much better chosen is), if given
 * @param winProbs   SPPO's estimated win probabilities of chosen and rejected, if given
 * @param preference P(chosen ≻ rejected) in [0, 1] (a pairwise scorer's, read by inpo and egpo;
 *                   the share of raters who preferred chosen, a preference model's soft label), if given
 */
public record PairExample(String source, int[] prompt, int[] chosen, int[] rejected,
                          OptionalDouble margin, Optional<WinProbs> winProbs, OptionalDouble preference) implements Example {
    /** P(chosen beats the policy) and P(rejected beats the policy), each in [0, 1] (SPPO, arXiv:2405.00675). */
    public record WinProbs(double chosen, double rejected) {
        public WinProbs {
            if (!(chosen >= 0 && chosen <= 1 && rejected >= 0 && rejected <= 1)) {
                throw new IllegalArgumentException("win probabilities must be in [0, 1], got " + chosen + ", " + rejected);
            }
        }
    }

    public PairExample {
        Example.checkNotEmpty(source, prompt, chosen, rejected);
        if (preference.isPresent() && !(preference.getAsDouble() >= 0 && preference.getAsDouble() <= 1)) {
            throw new IllegalArgumentException("preference must be in [0, 1], got " + preference.getAsDouble());
        }
    }

    public PairExample(String source, int[] prompt, int[] chosen, int[] rejected, OptionalDouble margin, Optional<WinProbs> winProbs) {
        this(source, prompt, chosen, rejected, margin, winProbs, OptionalDouble.empty());
    }
}
