package org.jpo;

/**
 * A problem with what the user gave us (a file, a line, a field, a flag), reported as one clear
 * message without a stack trace. The message names where the problem is and what was expected.
 */
public class UserError extends RuntimeException {
    public UserError(String message) { super(message); }

    public UserError(String message, Throwable cause) { super(message, cause); }
}
