package org.jpo.train;

import org.jpo.data.Example;
import org.jpo.model.Transformer;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One training run, resolved: the examples, the objective built on the loaded models, and the config's
 * numbers, and the ranks it trains on. {@link Runs#prepare} makes it; {@link Trainer#train} runs it.
 */
public record Run<E extends Example>(TrainConfig config, List<E> train, List<E> eval, Objective<E> objective,
                                     List<Path> tokenizerFiles, boolean referenceCacheHit, DataParallel dp) {
    Path outputDir() { return config.outputDir(); }

    long seed() { return config.seed(); }

    int batchSize() { return config.opt().perDeviceTrainBatchSize(); }

    int evalBatchSize() { return config.opt().perDeviceEvalBatchSize(); }

    int accumulation() { return config.opt().gradientAccumulationSteps(); }

    double beta1() { return config.opt().adamBeta1(); }

    double beta2() { return config.opt().adamBeta2(); }

    double adamEpsilon() { return config.opt().adamEpsilon(); }

    double weightDecay() { return config.opt().weightDecay(); }

    double maxGradNorm() { return config.opt().maxGradNorm(); }

    int loggingSteps() { return Math.max(1, config.logging().loggingSteps()); }

    int evalSteps() { return config.logging().evalSteps(); }

    int saveSteps() { return config.logging().saveSteps(); }

    int saveTotalLimit() { return config.logging().saveTotalLimit(); }

    /** max_steps if set, else ceil(epochs × micro-batches per epoch / accumulation); the group methods' epochs are num_iterations. */
    long totalSteps(int batchesPerEpoch) {
        var o = config.opt();
        if (o.maxSteps() > 0) return o.maxSteps();
        double epochs = config.method() == TrainConfig.Method.GROUP ? config.loss().knobs().numIterations() : o.numTrainEpochs();
        return Math.max(1, (long) Math.ceil(epochs * batchesPerEpoch / o.gradientAccumulationSteps()));
    }

    Schedule schedule(long total) { return config.opt().schedule(total); }

    Optional<Transformer> liveReference() {
        return objective instanceof DpoObjective d ? d.liveReference() : Optional.empty();
    }
}
