package org.jpo.train;

import org.jpo.Seeds;
import org.jpo.UserError;
import org.jpo.model.Lora;
import org.jpo.model.LoraConfig;
import org.jpo.model.Transformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/** How a run's policy gets its LoRA adapters (lora_r &gt; 0), and when the base model under them is the reference. */
final class LoraRuns {
    private static final Logger log = LoggerFactory.getLogger(LoraRuns.class);

    private LoraRuns() {}

    /**
     * The policy ready for training. lora_r &gt; 0: fresh adapters (seeded from the run seed), or the ones the policy was
     * loaded with (a LoRA checkpoint being resumed, or an adapter given as model), which must have the configured
     * shape. lora_r = 0 on a policy loaded with adapters: they are merged, and every weight trains.
     */
    static Transformer prepare(TrainConfig c, Transformer policy) {
        LoraConfig want = c.lora();
        if (!want.enabled()) {
            if (policy.lora().isPresent()) policy.mergeLora();
            return policy;
        }
        if (policy.lora().isPresent()) {
            LoraConfig have = policy.lora().get().config();
            var f = policy.config();
            if (have.loraR() != want.loraR() || have.loraAlpha() != want.loraAlpha() || !have.targets(f).equals(want.targets(f))) {
                throw new UserError(c.model() + " carries LoRA adapters with r " + have.loraR() + ", lora_alpha " + have.loraAlpha()
                        + ", target_modules " + have.targets(f) + ", but the config asks for r " + want.loraR() + ", lora_alpha "
                        + want.loraAlpha() + ", target_modules " + want.targets(f) + "; match them, or merge the adapter first "
                        + "(jpo convert --merge-lora)");
            }
        } else {
            policy.attachLora(Lora.create(policy.config(), want, Seeds.of(c.seed(), 0x10AAL),
                    c.model().toAbsolutePath().normalize().toString()));
        }
        Lora l = policy.lora().get();
        long trainable = l.numParameters(), total = trainable + policy.numParameters();
        log.info("LoRA r {} alpha {} dropout {} on {} modules ({}): trainable parameters {} of {} ({}%)", want.loraR(), want.loraAlpha(),
                want.loraDropout(), l.modules().size(), want.targets(policy.config()), trainable, total,
                String.format("%.3f", 100.0 * trainable / total));
        return policy;
    }

    /** Whether the policy's adapters sit on the reference's own weights, so that the reference is the policy with adapters off. */
    static boolean baseIsReference(TrainConfig c, Transformer policy, Path refPath) {
        return c.lora().enabled() && policy.lora().isPresent()
                && Path.of(policy.lora().get().baseModel()).toAbsolutePath().normalize().equals(refPath.toAbsolutePath().normalize());
    }
}
