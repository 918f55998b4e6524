/**
 * The bandit lab: exact small-world checks of the losses and of iterative loops with closed-form answers.
 * Imports {@code loss} only.
 */
package org.jpo.bandit;
