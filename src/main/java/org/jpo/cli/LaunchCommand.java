package org.jpo.cli;

import org.jpo.ChildJpo;
import org.jpo.UserError;
import org.jpo.dist.Launch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;

/** {@code jpo launch}: torchrun for jpo, this node's ranks of a data-parallel job, each a jpo process. */
@Command(name = "launch", mixinStandardHelpOptions = true,
        description = "Run a jpo command as N ranks of a data-parallel job on this node (torchrun's environment: RANK, WORLD_SIZE, "
                + "LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), each line prefixed [rank R]. The first rank to fail "
                + "stops the others and its exit code is launch's. Example: jpo launch --nproc-per-node 2 -- train dpo.yaml")
final class LaunchCommand implements Callable<Integer> {
    @Option(names = "--nproc-per-node", paramLabel = "N", required = true, description = "Ranks on this node, each with cores/N threads (or --threads).") int procsPerNode;
    @Option(names = "--nnodes", paramLabel = "M", defaultValue = "1", description = "Nodes in the job, each running jpo launch. Default ${DEFAULT-VALUE}.") int nodes;
    @Option(names = "--node-rank", paramLabel = "R", defaultValue = "0", description = "This node's place in [0, M). Default ${DEFAULT-VALUE}.") int nodeRank;
    @Option(names = "--master-addr", paramLabel = "A", defaultValue = "127.0.0.1", description = "Rank 0's host, reachable from every node. Default ${DEFAULT-VALUE}.") String masterAddr;
    @Option(names = "--master-port", paramLabel = "P", defaultValue = "29500", description = "A free port on rank 0's host. Default ${DEFAULT-VALUE}.") int masterPort;
    @Parameters(paramLabel = "-- COMMAND", description = "The jpo command each rank runs, after --.") List<String> command = List.of();

    /** How a rank is started with its threads: this JVM's jpo; tests start a probe instead. */
    static IntFunction<ChildJpo> jpo = ChildJpo::sameJvm;

    @Override public Integer call() {
        Launch launch = new Launch(procsPerNode, nodes, nodeRank, masterAddr, masterPort);
        if (command.isEmpty()) throw new UserError("jpo launch needs the command each rank runs after --, e.g. jpo launch --nproc-per-node 2 -- train dpo.yaml");
        if (Main.commandWord(command).equals("launch")) throw new UserError("a rank cannot run jpo launch itself; give the command after -- (train, run, ...)");
        if (command.stream().anyMatch(a -> a.equals("--threads") || a.startsWith("--threads="))) {
            throw new UserError("give --threads to launch, before --: it is each rank's (default: cores / --nproc-per-node)");
        }
        int threads = Main.threadsGiven().orElse(Math.max(1, Runtime.getRuntime().availableProcessors() / procsPerNode));
        return launch.run(jpo.apply(threads), command, System.out, System.err);
    }
}
