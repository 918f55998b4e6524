package org.jpo.data;

/**
 * A data row that cannot be used, and why (without the file:line, which the loader adds). Depending on
 * {@code on_bad_row} it stops loading or is skipped and written to the rejects file.
 */
final class BadRow extends RuntimeException {
    BadRow(String reason) {
        super(reason, null, false, false); // control flow, not a bug: no stack trace
    }
}
