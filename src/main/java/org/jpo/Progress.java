package org.jpo;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jline.terminal.spi.SystemStream;
import org.jline.terminal.spi.TerminalProvider;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.text.DecimalFormat;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Progress of one long pass (sampling, scoring, reference log-probs, training, evaluation) on standard error,
 * so standard output stays free for a command's JSON. When standard error is a terminal: a bar redrawn in
 * place by <a href="https://github.com/ctongfei/progressbar">me.tongfei:progressbar</a>, with rate, ETA and a
 * message. Otherwise (pipes, CI, tests), where redraws are noise: one plain line every few seconds and a last
 * line on {@link #close}. Nothing under {@code --quiet} or in a {@link Console#hush}.
 *
 * <p>In the root package, with {@link Seeds} and {@link UserError}, because every stage reports progress and
 * none may import another stage to do it.
 */
public final class Progress implements AutoCloseable {
    private static final Duration EVERY = Duration.ofSeconds(5);

    private final String task, unit;
    private final long total, start;
    private final ProgressBar bar;   // on a terminal only; the plain lines below are unused then
    private final PrintStream out;
    private final LongSupplier nanos;
    private final long every, t0;
    private long done, lastLine;
    private String message = "";

    /** {@code total} {@code unit}s to do, {@code start} of them done already (a resumed run). */
    public static Progress start(String task, String unit, long total, long start) {
        if (!Console.bars()) return new Progress(task, unit, total, start, false, SILENT, System::nanoTime, EVERY);
        return new Progress(task, unit, total, start, Terminal.STDERR, System.err, System::nanoTime, EVERY);
    }

    /** Where a bar goes under --quiet or in a {@link Console#hush}. */
    private static final PrintStream SILENT = new PrintStream(OutputStream.nullOutputStream());

    Progress(String task, String unit, long total, long start, boolean interactive, PrintStream out, LongSupplier nanos, Duration every) {
        this.task = task;
        this.unit = unit;
        this.total = total;
        this.start = start;
        this.out = out;
        this.nanos = nanos;
        this.every = every.toNanos();
        this.t0 = lastLine = nanos.getAsLong();
        this.done = start;
        this.bar = !interactive ? null : new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .startsFrom(start, Duration.ZERO).setUnit(" " + unit, 1).showSpeed(new DecimalFormat("0.00"))
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new Redraws(out)).build();
    }

    /** {@code done} units finished so far; {@code message} (the latest metrics, say) follows the numbers. */
    public void update(long done, String message) {
        this.done = done;
        this.message = message;
        if (bar != null) {
            bar.stepTo(done);
            bar.setExtraMessage(message.isEmpty() ? "" : " " + message);
            return;
        }
        long now = nanos.getAsLong();
        if (now - lastLine >= every && done < total) {   // the last line is close()'s
            lastLine = now;
            line(now, false);
        }
    }

    /** Draws the bar a last time, or prints the last line. */
    @Override public void close() {
        if (bar != null) {
            bar.close();
            out.println();
            out.flush();
        } else {
            line(nanos.getAsLong(), true);
        }
    }

    /** The last line of a pass says "done", or "stopped" if it ended early (the demo's SFT at its target accuracy). */
    private void line(long now, boolean last) {
        double seconds = (now - t0) / 1e9, rate = seconds > 0 ? (done - start) / seconds : 0;
        String eta = done >= total ? "done" : last ? "stopped" : rate > 0 ? "ETA " + clock((total - done) / rate) : "ETA ?";
        out.printf("%s %d/%d %s (%d%%) %s, %.2f %s/s, %s%s%n", task, done, total, unit, 100 * done / Math.max(1, total),
                clock(seconds), rate, unit, eta, message.isEmpty() ? "" : ", " + message);
        out.flush();
    }

    /** H:MM:SS, as the bar shows it. */
    public static String clock(double seconds) {
        long s = Math.round(seconds);
        return String.format("%d:%02d:%02d", s / 3600, s % 3600 / 60, s % 60);
    }

    /** Whether standard error is a terminal (asked once: jline's exec provider runs {@code test -t 2}). */
    private static final class Terminal {
        static final boolean STDERR = stderr();

        private static boolean stderr() {
            try {
                return TerminalProvider.load("exec").isSystemStream(SystemStream.Error);
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }
    }

    /**
     * The library's carriage-return consumer, less its closing newline: a bar closed before its first draw
     * skips that close (progressbar 0.10.2's ProgressUpdateAction), and the next output would share its line.
     */
    private static final class Redraws extends ConsoleProgressBarConsumer {
        Redraws(PrintStream out) { super(out); }

        @Override public void close() {}
    }
}
