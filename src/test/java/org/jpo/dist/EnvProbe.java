package org.jpo.dist;

import java.util.List;

/**
 * A rank of {@code LaunchTest}, in its own JVM, started as {@code jpo launch} starts jpo ({@code --threads T} first):
 * prints its environment contract, the {@link World} read from it, and its arguments. Modes: {@code env} (also a line on stderr and many numbered lines, to
 * see that lines stay whole); {@code fail R C} (rank R exits C at once, every other rank sleeps a minute).
 */
public final class EnvProbe {
    public static void main(String[] args) throws InterruptedException {
        for (String name : List.of("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "JPO_EXIT_WITH_PARENT")) {
            System.out.println(name + "=" + System.getenv(name));
        }
        System.out.println("args=" + String.join(" ", args));
        System.out.println("world=" + World.from(System.getenv()));   // what a rank's trainer reads
        String rank = System.getenv("RANK");
        switch (args[2]) {
            case "env" -> {
                System.err.println("on stderr from " + rank);
                for (int i = 0; i < 300; i++) System.out.println("rank " + rank + " line " + i + " " + "x".repeat(200));
                System.out.print("no newline at the end");
            }
            case "fail" -> {
                if (rank.equals(args[3])) System.exit(Integer.parseInt(args[4]));
                Thread.sleep(60_000);
            }
            default -> throw new IllegalArgumentException(args[2]);
        }
    }
}
