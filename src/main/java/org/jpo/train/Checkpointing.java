package org.jpo.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.io.SafeTensors;
import org.jpo.io.Trees;
import org.jpo.model.Checkpoints;
import org.jpo.model.Transformer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code output_dir/checkpoint-N/}: the model in HF layout, {@code optimizer.safetensors}, {@code trainer_state.json}
 * (and {@code reference/} when TR-DPO moves the reference). Written to {@code checkpoint-N.tmp} and renamed
 * when complete, so a kill at any moment leaves only whole checkpoints.
 */
final class Checkpointing {
    static final String OPTIMIZER = "optimizer.safetensors";

    private Checkpointing() {}

    static Path save(Path outputDir, TrainerState state, Objective<?> objective, AdamW opt, Optional<Transformer> reference,
                     List<Path> tokenizerFiles, int keep) {
        Path dir = outputDir.resolve("checkpoint-" + state.step()), tmp = outputDir.resolve("checkpoint-" + state.step() + ".tmp");
        try {
            Trees.delete(tmp);
            objective.save(tmp, tokenizerFiles);
            SafeTensors.write(tmp.resolve(OPTIMIZER), opt.state(), Map.of("step", Long.toString(opt.steps())));
            reference.ifPresent(r -> Checkpoints.save(r, tmp.resolve("reference"), List.of()));
            state.write(tmp);
            Trees.delete(dir);
            Files.move(tmp, dir);
            prune(outputDir, keep);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + dir, e);
        }
    }

    /** The newest complete checkpoint, if any. */
    static Optional<Path> latest(Path outputDir) {
        if (!Files.isDirectory(outputDir)) return Optional.empty();
        try (Stream<Path> s = Files.list(outputDir)) {
            return s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+"))
                    .filter(p -> Files.isRegularFile(p.resolve(TrainerState.FILE)))
                    .max(Comparator.comparingLong(Checkpointing::stepOf));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads the optimizer moments saved with a checkpoint. */
    static void loadOptimizer(Path checkpoint, AdamW opt) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            Path f = checkpoint.resolve(OPTIMIZER);
            Map<String, Tensor> state = SafeTensors.read(f);
            String step = SafeTensors.readHeader(f).metadata().get("step");
            opt.load(state, Long.parseLong(step));
        }
    }

    static long stepOf(Path checkpoint) {
        return Long.parseLong(checkpoint.getFileName().toString().substring("checkpoint-".length()));
    }

    /** Keeps the {@code keep} newest checkpoints (0 = all). */
    private static void prune(Path outputDir, int keep) throws IOException {
        if (keep <= 0) return;
        List<Path> all;
        try (Stream<Path> s = Files.list(outputDir)) {
            all = s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+")).sorted(Comparator.comparingLong(Checkpointing::stepOf)).toList();
        }
        for (int i = 0; i < all.size() - keep; i++) Trees.delete(all.get(i));
    }

}
