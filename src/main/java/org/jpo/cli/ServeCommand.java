package org.jpo.cli;

import org.jpo.serve.Server;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code jpo serve}: an OpenAI-compatible server for one model, until killed (SIGTERM closes it and frees the model). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model over OpenAI's API: POST /v1/completions, /v1/chat/completions, /v1/load; "
                + "GET /v1/models, /health, /metrics. Prints the address it listens on, then runs until killed.")
final class ServeCommand implements Callable<Integer> {
    @Mixin ModelOptions weights;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "Port (default ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--api-key", paramLabel = "K", defaultValue = "${env:JPO_API_KEY}",
            description = "Require 'Authorization: Bearer K' on every request (default: $JPO_API_KEY; none if unset).")
    String apiKey;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "The model's name in the API (default: the --model path).")
    String servedModelName;

    @Option(names = "--chat-template", paramLabel = "FILE", description = "Jinja chat template (default: the model's own).")
    Path chatTemplate;

    @Option(names = "--max-num-seqs", defaultValue = "64", paramLabel = "N",
            description = "Most rows (prompt x sample) decoded together: the continuous batch's slots, vLLM's --max-num-seqs (default ${DEFAULT-VALUE}).")
    int maxNumSeqs;

    @Option(names = "--max-n", defaultValue = "64", paramLabel = "N", description = "Largest n a request may ask for (default ${DEFAULT-VALUE}).")
    int maxN;

    @Override public Integer call() throws InterruptedException {
        Server server = Server.start(new Server.Options(weights.model, Optional.ofNullable(weights.tokenizer), host, port, Optional.ofNullable(apiKey),
                servedName(), Optional.ofNullable(chatTemplate), maxNumSeqs, maxN));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            System.out.println("jpo serve: stopped");
            System.out.flush();
        }, "jpo-serve-shutdown"));
        System.out.println("jpo serve: listening on " + server.baseUrl() + " (model " + servedName() + ")");
        System.out.flush();
        new CountDownLatch(1).await();   // until SIGTERM / SIGINT runs the hook
        return 0;
    }

    private String servedName() { return servedModelName != null ? servedModelName : weights.model.toString(); }
}
