package org.jpo.train;

import org.jpo.config.Check;
import org.jpo.config.Key;
import org.jpo.config.Reads;

/**
 * TR-DPO's keys (Gorbatovski et al., arXiv:2404.09656; TRL's names and defaults): the reference follows the policy
 * during training. {@code jpo train} and {@code jpo run}'s {@code train:} both inline them.
 */
public record TrDpo(
        @Key(value = "false", doc = "TR-DPO (arXiv:2404.09656): every ref_model_sync_steps steps, reference ← α·policy "
                + "+ (1 − α)·reference.") boolean syncRefModel,
        @Key(value = "0.6", doc = "TR-DPO's α, in [0, 1].") double refModelMixupAlpha,
        @Key(value = "512", doc = "TR-DPO's τ: optimizer steps between syncs.") int refModelSyncSteps) implements Reads {

    public TrDpo {
        Check.within("ref_model_mixup_alpha", refModelMixupAlpha, 0, 1, false);
        Check.atLeast("ref_model_sync_steps", refModelSyncSteps, 1);
    }

    /** α and τ are read with sync on. */
    @Override public String unread(String key) { return syncRefModel || key.equals("sync_ref_model") ? null : "sync_ref_model is false"; }
}
