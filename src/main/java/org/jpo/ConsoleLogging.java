package org.jpo;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SLF4J binding: every log line, jpo's and its libraries', goes to standard error as {@link Console}'s mode
 * says. Ours rather than slf4j-simple because that one always prints the level, reads its settings once per JVM
 * and cannot print {@code warning: ...}; here the mode is read at each call, so one JVM can run
 * {@code jpo --quiet ...} and then {@code jpo --verbose ...} (the tests do).
 *
 * <table>
 *   <caption>What shows</caption>
 *   <tr><th>logger</th><th>--quiet</th><th>default</th><th>--verbose</th></tr>
 *   <tr><td>org.jpo.*</td><td>warn, error</td><td>info and up (warn and up in a {@link Console#hush})</td><td>debug and up</td></tr>
 *   <tr><td>libraries</td><td>warn, error</td><td>warn, error</td><td>info and up</td></tr>
 *   <tr><td>ai.djl.*</td><td>error</td><td>error</td><td>info and up</td></tr>
 * </table>
 *
 * DJL is held back because its platform probe warns about CUDA on every CPU-only machine. Lines read
 * {@code message}, {@code warning: message}, {@code error: message}, followed by {@code : } and the exception
 * when one is logged; with {@code --verbose}, {@code [thread] LEVEL logger - message} and the stack trace.
 */
public final class ConsoleLogging implements SLF4JServiceProvider {
    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, Line::new);
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    @Override public ILoggerFactory getLoggerFactory() { return factory; }

    @Override public IMarkerFactory getMarkerFactory() { return markers; }

    @Override public MDCAdapter getMDCAdapter() { return mdc; }

    @Override public String getRequestedApiVersion() { return "2.0.99"; }

    @Override public void initialize() {}

    /** One logger: decides per call whether its level shows, then prints one line. */
    private static final class Line extends LegacyAbstractLogger {
        private final boolean ours, djl;

        Line(String name) {
            this.name = name;
            this.ours = name.startsWith("org.jpo.");
            this.djl = name.startsWith("ai.djl.");
        }

        private Level lowest() {
            Level library = djl ? Level.ERROR : Level.WARN;
            return switch (Console.mode()) {
                case QUIET -> ours ? Level.WARN : library;
                case NORMAL -> !ours ? library : Console.hushed() ? Level.WARN : Level.INFO;
                case VERBOSE -> ours ? Level.DEBUG : Level.INFO;
            };
        }

        private boolean shows(Level level) { return level.toInt() >= lowest().toInt(); }

        @Override public boolean isTraceEnabled() { return shows(Level.TRACE); }

        @Override public boolean isDebugEnabled() { return shows(Level.DEBUG); }

        @Override public boolean isInfoEnabled() { return shows(Level.INFO); }

        @Override public boolean isWarnEnabled() { return shows(Level.WARN); }

        @Override public boolean isErrorEnabled() { return shows(Level.ERROR); }

        @Override protected String getFullyQualifiedCallerName() { return null; }

        @Override protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable thrown) {
            boolean verbose = Console.mode() == Console.Mode.VERBOSE;
            StringBuilder line = new StringBuilder();
            if (verbose) line.append('[').append(Thread.currentThread().getName()).append("] ").append(level).append(' ').append(name).append(" - ");
            else if (level == Level.WARN) line.append("warning: ");
            else if (level == Level.ERROR) line.append("error: ");
            line.append(MessageFormatter.basicArrayFormat(pattern, args));
            if (thrown != null && !verbose) line.append(": ").append(thrown);
            PrintStream err = System.err;   // read per call: the tests capture it
            synchronized (err) {
                err.println(line);
                if (thrown != null && verbose) thrown.printStackTrace(err);
                err.flush();
            }
        }
    }
}
