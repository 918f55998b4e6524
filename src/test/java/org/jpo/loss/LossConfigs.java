package org.jpo.loss;

import org.jpo.config.Binder;

import java.nio.file.Path;
import java.util.List;

/** Loss configs for tests, written as a user writes them: the loss keys of a config file. */
final class LossConfigs {
    private static final Binder<LossConfig> BINDER = new Binder<>(LossConfig.class, "loss", "jpo train --print-defaults");

    private LossConfigs() {}

    /** {@code yaml} bound as a config file's loss keys; loss_type defaults to sigmoid. */
    static LossConfig of(String yaml) {
        return BINDER.parse("test.yaml", yaml, Path.of("").toAbsolutePath(), List.of()).resolve(LossType.SIGMOID);
    }

    static PreferenceLoss loss(LossType t) { return of("loss_type: " + t.key).create(); }
}
