package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.jpo.config.Check;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static org.jpo.tensor.Tensors.checkShape;
import static org.jpo.tensor.Tensors.s;

/**
 * The reward-model loss of TRL's RewardTrainer: per pair {@code −logσ(r⁺ − r⁻ − m) + c·(r⁺ + r⁻)²}.
 * The first term is the Bradley–Terry likelihood of the preference (Stiennon et al., arXiv:2009.01325;
 * Ouyang et al., arXiv:2203.02155), optionally with a margin m that the chosen reward must clear (Llama 2,
 * arXiv:2307.09288); the second pulls the rewards towards zero mean, which the likelihood leaves free
 * (Eisenstein et al., arXiv:2312.09244; TRL {@code center_rewards_coefficient}). Its batch mean is TRL's loss.
 *
 * @param centerRewardsCoefficient c ≥ 0 (TRL {@code center_rewards_coefficient}, default None, i.e. 0)
 */
public record BradleyTerry(double centerRewardsCoefficient) {

    public BradleyTerry {
        Check.nonNegative("center_rewards_coefficient", centerRewardsCoefficient);
    }

    /** Per-pair losses [B] (with gradient) and the rewards r⁺, r⁻ [B], detached. */
    public LossResult apply(Tensor chosen, Tensor rejected) { return apply(chosen, rejected, Optional.empty()); }

    /**
     * @param chosen   r⁺ [B], the reward of each chosen completion
     * @param rejected r⁻ [B]
     * @param margin   m [B], how far r⁺ should exceed r⁻ (data: never differentiated); empty for 0
     */
    public LossResult apply(Tensor chosen, Tensor rejected, Optional<Tensor> margin) {
        checkShape(chosen, "chosen rewards", -1);
        long b = chosen.size(0);
        checkShape(rejected, "rejected rewards", b);
        margin.ifPresent(m -> checkShape(m, "margin", b));
        Tensor z = chosen.sub(rejected);                                                          // [B]
        if (margin.isPresent()) z = z.sub(margin.get().detach());                                 // [B]
        Tensor losses = torch.logsigmoid(z).neg();                                                // [B]
        if (centerRewardsCoefficient > 0) {
            losses = losses.add(chosen.add(rejected).pow(s(2)).mul(s(centerRewardsCoefficient))); // [B]
        }
        return new LossResult(losses, chosen.detach(), rejected.detach());
    }

    /**
     * TRL RewardTrainer's metrics: {@code loss} (mean), {@code accuracy} (fraction with r⁺ &gt; r⁻, ties
     * count as wrong), {@code margin} (mean r⁺ − r⁻), and {@code min_reward}, {@code mean_reward},
     * {@code max_reward} over all 2B rewards.
     */
    public static Map<String, Double> metrics(LossResult r) {
        Tensor rc = r.chosenRewards().detach();                                                   // [B]
        Tensor rr = r.rejectedRewards().detach();                                                 // [B]
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", r.losses().detach().mean().item_double());
        m.put("accuracy", rc.gt(rr).to(torch.ScalarType.Double).mean().item_double());
        m.put("margin", rc.sub(rr).mean().item_double());
        m.put("min_reward", Math.min(rc.min().item_double(), rr.min().item_double()));
        m.put("mean_reward", (rc.mean().item_double() + rr.mean().item_double()) / 2);
        m.put("max_reward", Math.max(rc.max().item_double(), rr.max().item_double()));
        return m;
    }
}
