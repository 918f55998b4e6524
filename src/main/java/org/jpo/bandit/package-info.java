/**
 * The bandit lab: exact small-world checks of the losses and of iterative loops with closed-form answers.
 * Imports {@code loss}, and {@code feedback}'s {@link org.jpo.feedback.PreferenceGame} for the exploitability of a game.
 */
package org.jpo.bandit;
