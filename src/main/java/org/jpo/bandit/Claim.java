package org.jpo.bandit;

/** One expected result of an experiment: what should hold, what was measured, and whether it held. */
public record Claim(String claim, String measured, boolean pass) {
    @Override public String toString() { return (pass ? "PASS" : "FAIL") + "  " + claim + ": " + measured; }
}
