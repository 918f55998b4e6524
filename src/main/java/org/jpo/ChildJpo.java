package org.jpo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a child jpo is started ({@code jpo sweep}'s runs, {@code jpo launch}'s ranks): the java command line up to the
 * arguments, and its threads.
 */
public record ChildJpo(List<String> java, int threads) {
    public ChildJpo {
        java = List.copyOf(java);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }

    /**
     * This JVM's java, classpath and flags that matter ({@code -Xss8m}, offline tokenizers, the Vector API), as the {@code jpo} script starts
     * it, plus the options in {@code $JPO_CHILD_JAVA_OPTIONS} (space-separated, e.g. {@code -Xmx8g}).
     */
    public static ChildJpo sameJvm(int threads) {
        List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss8m",
                "-Dai.djl.offline=true", "--add-modules", "jdk.incubator.vector"));
        String extra = System.getenv("JPO_CHILD_JAVA_OPTIONS");
        if (extra != null && !extra.isBlank()) java.addAll(List.of(extra.strip().split("\\s+")));
        java.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.jpo.cli.Main"));
        return new ChildJpo(java, threads);
    }

    /** The command line that runs jpo with {@code args}; {@code --threads} goes first, before the command words. */
    public List<String> command(List<String> args) {
        List<String> cmd = new ArrayList<>(java);
        cmd.addAll(List.of("--threads", Integer.toString(threads)));
        cmd.addAll(args);
        return cmd;
    }
}
