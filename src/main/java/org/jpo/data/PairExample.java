package org.jpo.data;

import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A preference pair: one prompt, a chosen and a rejected completion.
 *
 * @param margin     the row's {@code margin} (reward modelling: how much better chosen is), if given
 * @param winProbs   SPPO's estimated win probabilities of chosen and rejected, if given
 * @param chosenProb the row's {@code chosen_prob}, P(chosen ≻ rejected) in [0, 1], a soft label for a preference model
 *                   (the share of raters who preferred chosen), if given
 */
public record PairExample(String source, int[] prompt, int[] chosen, int[] rejected,
                          OptionalDouble margin, Optional<WinProbs> winProbs, OptionalDouble chosenProb) implements Example {
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
        if (chosenProb.isPresent() && !(chosenProb.getAsDouble() >= 0 && chosenProb.getAsDouble() <= 1)) {
            throw new IllegalArgumentException("chosen_prob must be in [0, 1], got " + chosenProb.getAsDouble());
        }
    }

    public PairExample(String source, int[] prompt, int[] chosen, int[] rejected, OptionalDouble margin, Optional<WinProbs> winProbs) {
        this(source, prompt, chosen, rejected, margin, winProbs, OptionalDouble.empty());
    }
}
