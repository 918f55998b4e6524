package org.jpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;
import org.jpo.io.Jsonl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code trainer_state.json} of a checkpoint: how far training got, the partial logging window and the
 * objective's own state ({@link Objective#state}, e.g. BCO's running reward mean). There is no other random
 * state to save: batch order is a function of (seed, epoch), and LoRA dropout saves its stream position with the adapter.
 */
record TrainerState(long step, long seed, Window window, Map<String, Double> objective, int worldSize) {
    static final String FILE = "trainer_state.json";

    /** @param worldSize the ranks that trained it: a global batch is per_device_train_batch_size × this */
    TrainerState {}

    void write(Path dir) {
        ObjectNode o = Jsonl.JSON.createObjectNode();
        o.put("global_step", step);
        o.put("seed", seed);
        o.put("world_size", worldSize);
        o.put("rng", "batch order derives from (seed, epoch); no hidden generator state");
        ObjectNode w = o.putObject("logging_window");
        w.put("count", window.count).put("tokens", window.tokens);
        ObjectNode sums = w.putObject("sums");
        window.sums.forEach(sums::put);
        ObjectNode obj = o.putObject("objective_state");
        objective.forEach(obj::put);   // doubles print as the shortest string that reads back to the same bits
        Jsonl.writePretty(dir.resolve(FILE), o);
    }

    static TrainerState read(Path dir) {
        Path f = dir.resolve(FILE);
        try {
            JsonNode o = Jsonl.JSON.readTree(f.toFile());
            Window w = new Window();
            JsonNode win = o.path("logging_window");
            w.count = win.path("count").asLong();
            w.tokens = win.path("tokens").asLong();
            win.path("sums").fields().forEachRemaining(e -> w.sums.put(e.getKey(), e.getValue().asDouble()));
            Map<String, Double> objective = new LinkedHashMap<>();
            o.path("objective_state").fields().forEachRemaining(e -> objective.put(e.getKey(), e.getValue().asDouble()));
            if (!o.has("global_step")) throw new UserError(f + ": missing 'global_step'");
            return new TrainerState(o.get("global_step").asLong(), o.path("seed").asLong(), w, objective, o.path("world_size").asInt(1));
        } catch (IOException e) {
            throw new UserError(f + ": unreadable checkpoint state (" + e.getMessage() + ")");
        }
    }
}
