package org.jpo.cli;

import org.jpo.Console;
import org.jpo.UserError;
import org.jpo.tensor.Natives;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;

/** The {@code jpo} command line. Each subcommand lives in its own class of this package. */
@Command(name = "jpo", mixinStandardHelpOptions = true, version = "jpo " + org.jpo.Versions.JPO,
        description = "Iterative preference optimization of language models on the JVM.",
        subcommands = {
                CommandLine.HelpCommand.class,
                TokenizeCommand.class,
                GenerateCommand.class,
                LogprobsCommand.class,
                ConvertCommand.class,
                BenchCommand.class,
                LossesCommand.class,
                TrainCommand.class,
                RunCommand.class,
                DemoCommand.class,
                ScoreCommand.class,
                BanditCommand.class,
                ReportCommand.class,
                CompareCommand.class,
                ServeCommand.class,
                SweepCommand.class,
                LaunchCommand.class,
        })
public final class Main implements Runnable {
    @Option(names = "--threads", scope = ScopeType.INHERIT, paramLabel = "N",
            description = "Threads for libtorch and OpenBLAS (default: all cores; 1 on a busy machine).")
    void threads(int n) {
        Natives.threads(n);
        threadsSet = threadsChanged = true;
        threadsGiven = n;
    }

    private static boolean threadsSet;
    private static int threadsGiven;

    /** --threads, when given. */
    static java.util.OptionalInt threadsGiven() { return threadsSet ? java.util.OptionalInt.of(threadsGiven) : java.util.OptionalInt.empty(); }

    /** A command's own thread default, unless --threads was given. */
    static void defaultThreads(int n) {
        if (threadsSet) return;
        Natives.threads(n);
        threadsChanged = true;
    }

    /** Set when a command changed the thread pools, which run() restores: the count changes how sums round. */
    private static boolean threadsChanged;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Also print debug lines, each log line with its thread and logger, and stack traces of errors.")
    void verbose(boolean on) {
        verbose = on;
        console();
    }

    @Option(names = "--quiet", scope = ScopeType.INHERIT,
            description = "Print only results, warnings and errors: no progress bars, no status lines (--verbose wins).")
    void quiet(boolean on) {
        quiet = on;
        console();
    }

    private static boolean verbose, quiet;   // reset after each run(): the tests run many commands in one JVM

    private static void console() {
        Console.mode(verbose ? Console.Mode.VERBOSE : quiet ? Console.Mode.QUIET : Console.Mode.NORMAL);
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static void main(String[] args) {
        if (System.getenv("JPO_EXIT_WITH_PARENT") != null) exitWithParent();
        // SIGINT or SIGTERM: the JVM runs its hooks, then exits 130 or 143; what finished is on disk already
        Thread interrupted = new Thread(() -> System.err.println("\n" + interrupted(args)));
        Runtime.getRuntime().addShutdownHook(interrupted);
        int code = run(args);
        try {
            Runtime.getRuntime().removeShutdownHook(interrupted);
        } catch (IllegalStateException e) {
            // the JVM is exiting already (jpo launch returns when a signal stopped its ranks): the hook prints the line
        }
        System.exit(code);
    }

    /**
     * A child of {@code jpo sweep} ends with it: the sweep holds the write end of this process's standard input, which the
     * kernel closes when the sweep dies however it dies (even SIGKILL), and the read here then sees end of file. The exit
     * runs the usual interrupted line and leaves what finished on disk.
     */
    private static void exitWithParent() {
        Thread t = new Thread(() -> {
            try {
                while (System.in.read() != -1) { /* nothing is sent */ }
            } catch (java.io.IOException e) {
                // a broken pipe is the same news
            }
            System.exit(143);
        }, "exit-with-parent");
        t.setDaemon(true);
        t.start();
    }

    /** The line a stopped command leaves: what was interrupted and, for the commands that resume, how to go on. */
    static String interrupted(String... args) {
        String command = commandWord(java.util.List.of(args));
        boolean resumes = command.equals("run") || command.equals("train") || command.equals("sweep");
        return "interrupted: jpo " + command + (resumes ? "; nothing finished is lost: run again with --resume" : "");
    }

    /** The command in jpo's arguments {@code args}: the first word that is not an option (nor --threads' value); "" if none. */
    static String commandWord(java.util.List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--threads")) i++;
            else if (!args.get(i).startsWith("-")) return args.get(i);
        }
        return "";
    }

    /** Runs the CLI and returns its exit code: 0 success, 2 bad input or usage, 1 internal error. */
    public static int run(String... args) {
        try {
            CommandLine cli = new CommandLine(new Main());
            cli.setExecutionExceptionHandler(Main::report);
            cli.setParameterExceptionHandler(Main::usageError);
            cli.registerConverter(Integer.class, Main::toInt).registerConverter(int.class, Main::toInt);
            return cli.execute(args);
        } finally {
            verbose = quiet = false;
            if (threadsChanged) Natives.threads(Runtime.getRuntime().availableProcessors());   // the pools every command starts with
            threadsSet = threadsChanged = false;
            console();
        }
    }

    /** {@code e} as text, cut before libtorch's native backtrace (its "frame #" lines) unless --verbose. */
    static String withoutNativeFrames(Throwable e) {
        String s = e.toString();
        int frame = s.indexOf("frame #");
        if (verbose || frame < 0) return s;
        return s.substring(0, s.lastIndexOf('\n', frame) + 1).stripTrailing();
    }

    /** An int option beyond int's range is "out of range", not "not an int". */
    private static Integer toInt(String s) {
        try {
            return Integer.valueOf(s);
        } catch (NumberFormatException e) {
            if (s.strip().matches("[-+]?\\d+")) throw new CommandLine.TypeConversionException("out of range (at most " + Integer.MAX_VALUE + ")");
            throw new CommandLine.TypeConversionException("'" + s + "' is not an integer");
        }
    }

    /** A mistyped command line: one line saying what is wrong (and picocli's "did you mean"), then where help is. */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        PrintWriter err = cli.getErr();
        err.println("error: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("(see " + cli.getCommandSpec().qualifiedName() + " --help)");
        return 2;
    }

    private static int report(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof UserError) {
            err.println("error: " + e.getMessage());
            if (verbose) e.printStackTrace(err);
            return 2;
        }
        err.println("internal error: " + withoutNativeFrames(e));
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) err.println("  caused by: " + withoutNativeFrames(c));
        if (verbose) e.printStackTrace(err);
        else err.println("(run with --verbose for the stack trace)");
        return 1;
    }
}
