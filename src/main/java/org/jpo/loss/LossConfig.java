package org.jpo.loss;

import org.jpo.config.Check;
import org.jpo.config.ConfigError;
import org.jpo.config.Inline;
import org.jpo.config.Key;
import org.jpo.config.Reads;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import static org.jpo.loss.LossType.*;

/**
 * The loss keys of a run config, with TRL's names (DPOConfig/KTOConfig at top level; each loss's own knobs in a
 * block named after it, {@code simpo: {gamma: 0.5}}). The losses check their own knobs, naming these keys;
 * {@link #create()} builds the configured loss. {@code jpo losses} lists the losses with formulas and papers.
 */
public record LossConfig(
        @Key(doc = "A loss or a list of losses (a weighted sum). dpo takes paired losses, kto unpaired ones (kto, "
                + "apo_zero_unpaired); null = sigmoid (dpo), kto (kto).")
        List<LossType> lossType,
        @Key(doc = "One weight >= 0 per loss in loss_type; null = 1.0 each.") List<Double> lossWeights,
        @Inline("") Knobs knobs) implements Reads {

    /**
     * The losses' knobs, each read by the losses that declare it ({@link LossType}); a loss's own block is named
     * after it.
     */
    public record Knobs(
            @Key(doc = "β, the strength of the KL constraint (IPO's τ): > 0; for the group losses (grpo, dr_grpo, rloo, spo) the weight >= 0 of the k3 KL "
                    + "penalty (0 reads no reference); for nash_md the paper's τ >= 0, the weight of the KL to the reference in each "
                    + "token's advantage; null = 0.1 (0.0 for the group losses, as TRL's GRPOConfig).") Double beta,
            @Key(value = "0.0", doc = "ε in [0, 0.5), the assumed share of flipped labels, for cdpo, robust, aot, aot_unpaired "
                    + "(TRL's sigmoid with label_smoothing > 0 is cdpo here).")
            double labelSmoothing,
            @Key(value = "reverse_kl", doc = "The sigmoid loss's f-divergence (arXiv:2309.16240): reverse_kl (= DPO) | "
                    + "forward_kl | js_divergence | alpha_divergence.")
            FDivergence.Type fDivergenceType,
            @Key(value = "1.0", doc = "TRL's coefficient a != 0 of alpha_divergence, f′(u) = (1 − u^(−a))/a; the formula "
                    + "sheet's α is 1 − a.")
            double fAlphaDivergenceCoef,
            @Key(value = "1.0", doc = "LD-DPO (arXiv:2409.06411): weight in [0, 1] of tokens past the shorter completion; "
                    + "1 = off (TRL's null).")
            double ldAlpha,
            @Key(value = "false", doc = "WPO (arXiv:2406.11827): weight each pair by its probability under the policy.")
            boolean useWeighting,
            @Key(value = "false", doc = "ScPO (arXiv:2411.04109): multiply each pair's loss by its row's margin (a dataset's margin "
                    + "column; in jpo run the chosen − rejected score, which self_consistency scores make the vote margin over the "
                    + "samples).")
            boolean marginWeighting,
            @Key(value = "0.05", doc = "discopop's τ > 0 (arXiv:2406.08414).") double discopopTau,
            @Key(value = "1.0", doc = "kto's weight λ_D >= 0 of desirable rows.") double desirableWeight,
            @Key(value = "1.0", doc = "kto's weight λ_U >= 0 of undesirable rows.") double undesirableWeight,
            @Key(doc = "ipo's knobs.") IpoKnobs ipo,
            @Key(doc = "exo_pair's knobs.") ExoPairKnobs exoPair,
            @Key(doc = "bco_pair's knobs.") BcoPairKnobs bcoPair,
            @Key(doc = "dpop's knobs.") DpopKnobs dpop,
            @Key(doc = "rdpo's knobs.") RdpoKnobs rdpo,
            @Key(doc = "simpo's knobs.") SimpoKnobs simpo,
            @Key(doc = "cpo's knobs.") CpoKnobs cpo,
            @Key(doc = "orpo's knobs.") OrpoKnobs orpo,
            @Key(doc = "inpo's knobs.") InpoKnobs inpo,
            @Key(doc = "egpo's knobs.") EgpoKnobs egpo,
            @Key(value = "0.2", doc = "grpo, dr_grpo, rloo, spo: ε > 0, the ratio π_θ/π_old is clipped to [1 − ε, 1 + ε] (TRL's epsilon).")
            double epsilon,
            @Key(value = "1", doc = "grpo, dr_grpo, rloo, spo: μ >= 1, optimizer passes over the round's samples (TRL's num_iterations; "
                    + "it takes the place of num_train_epochs).") int numIterations,
            @Key(value = "0.5", doc = "nash_md: β in [0, 1] of the opponent's geometric mixture π^β ∝ π^(1−β)·μ^β of the round's "
                    + "policy and the reference, sampled token by token (arXiv:2312.00886 §7; TRL NashMDConfig's mixture_coef): 0 = "
                    + "self-play, 1 = the reference.") double mixtureCoef,

            @Key(doc = "pro's knobs.") ProKnobs pro,
            @Key(doc = "mpo's knobs.") MpoKnobs mpo) {
        public Knobs {
            Check.within("ld_alpha", ldAlpha, 0, 1, false);
            Check.within("mixture_coef", mixtureCoef, 0, 1, false);
            Check.positive("epsilon", epsilon);
            Check.atLeast("num_iterations", numIterations, 1);
        }

        /**
         * These knobs with β chosen: null becomes the default of {@code losses} (0.0 for grpo, dr_grpo and rloo; else 0.1,
         * nash_md's as TRL's NashMDConfig).
         */
        Knobs withBetaFor(List<LossType> losses) {
            if (beta != null) return this;
            double b = losses.stream().anyMatch(t -> t.kind == Kind.GROUP && t != NASH_MD) ? 0.0 : 0.1;
            return new Knobs(b, labelSmoothing, fDivergenceType, fAlphaDivergenceCoef, ldAlpha, useWeighting, marginWeighting, discopopTau, desirableWeight,
                    undesirableWeight, ipo, exoPair, bcoPair, dpop, rdpo, simpo, cpo, orpo, inpo, egpo, epsilon, numIterations, mixtureCoef, pro, mpo);
        }

        /** The sigmoid loss's f-divergence; the formula sheet's α is 1 − TRL's a. */
        public FDivergence fDivergence() { return new FDivergence(fDivergenceType, 1 - fAlphaDivergenceCoef); }
    }

    public record IpoKnobs(@Key(value = "false", doc = "ipo on summed log-ratios (the paper, arXiv:2310.12036) instead "
            + "of TRL's per-token means.") boolean plain) {}

    public record ExoPairKnobs(@Key(value = "1.0e-3", doc = "exo_pair's ε in (0, 1) (arXiv:2402.00856); TRL reuses "
            + "label_smoothing for it.") double epsilon) {}

    public record BcoPairKnobs(@Key(value = "false", doc = "Shift bco_pair's rewards by the running mean of the rewards "
            + "seen so far (arXiv:2404.04656) instead of TRL's 0.") boolean runningMean) {}

    public record DpopKnobs(@Key(value = "50.0", doc = "dpop's λ >= 0 (arXiv:2402.13228): penalty when the chosen "
            + "log-prob falls below the reference's.") double lambda) {}

    public record RdpoKnobs(@Key(value = "0.01", doc = "rdpo's α >= 0 (arXiv:2403.19159): penalty per token of length "
            + "difference.") double alpha) {}

    public record SimpoKnobs(@Key(value = "0.5", doc = "simpo's target margin γ >= 0 (arXiv:2405.14734; TRL "
            + "CPOConfig's simpo_gamma).") double gamma) {}

    public record CpoKnobs(@Key(value = "1.0", doc = "cpo's weight >= 0 of the chosen NLL (arXiv:2401.08417; TRL "
            + "CPOConfig's cpo_alpha).") double alpha) {}

    public record OrpoKnobs(@Key(value = "0.1", doc = "orpo's weight λ >= 0 of the odds-ratio term (arXiv:2403.07691; "
            + "TRL ORPOConfig's beta).") double lambda) {}

    public record ProKnobs(@Key(value = "0.05", doc = "pro's weight λ >= 0 of the SFT term λ·NLL(y_1) on the list's best "
            + "completion (arXiv:2306.17492, the paper's β; jpo's default, not the paper's tuned value; 0 = Plackett–Luce alone).")
            double sftWeight) {}

    public record MpoKnobs(@Key(value = "1.0", doc = "mpo's α >= 0 (arXiv:2412.04628): each completion weighs exp(α·|ψ − ψ̄|), "
            + "ψ̄ its list's mean score (jpo's default, not the paper's tuned value); 0 = unweighted MPO.") double alpha) {}

    public record InpoKnobs(@Key(value = "3.0", doc = "inpo's η > 0 (arXiv:2407.00617), the online mirror descent step size; its τ, the "
            + "KL regularization toward the reference, is beta, and η·β <= 1 is the reference's weight in each step (1 − ηβ is the round's "
            + "start π_t's). Each pair's gap h is pulled to ±η/2; 3.0 makes ηβ 0.3 at beta 0.1.") double eta) {}

    public record EgpoKnobs(@Key(value = "false", doc = "egpo on summed log-ratios (the paper's formula) instead of per-token means "
            + "(its authors' trainer, normalize_logprobs).") boolean plain) {}

    public LossConfig {
        if (lossType != null) {
            knobs = knobs.withBetaFor(lossType);
            if (lossType.isEmpty()) throw new ConfigError("loss_type", "loss_type: expected at least one loss name, got []");
            if (new HashSet<>(lossType).size() < lossType.size()) throw new ConfigError("loss_type", "loss_type lists a loss twice: " + lossType);
            lossWeights = lossWeights == null ? Collections.nCopies(lossType.size(), 1.0) : lossWeights;
            checkWeights(lossType, lossWeights);
            checkCombination(lossType, knobs.useWeighting());
            if (lossType.stream().anyMatch(t -> t.kind == Kind.LIST) && !lossWeights.equals(List.of(1.0))) {   // fields unset yet
                throw new ConfigError("loss_weights", "loss_weights is " + lossWeights + ", but a listwise loss (" + lossType.get(0)
                        + ") is not summed with others: its weight is 1");
            }
            if (knobs.bcoPair().runningMean() && lossType.contains(BCO_PAIR) && lossType.get(0) != BCO_PAIR) {
                // a weighted sum reports its first part's rewards, and those are what the running mean averages
                throw new ConfigError("bco_pair.running_mean", "bco_pair.running_mean needs bco_pair first in loss_type, got " + lossType);
            }
            double coef = knobs.fAlphaDivergenceCoef();
            if (knobs.fDivergenceType() == FDivergence.Type.ALPHA_DIVERGENCE && (coef == 0 || !Double.isFinite(coef))) {
                throw new ConfigError("f_alpha_divergence_coef", "f_alpha_divergence_coef must be a finite number != 0, got " + coef);
            }
        }
    }

    /**
     * This config with {@code loss_type} chosen when the file left it out, checked: each chosen loss checks the
     * knobs it reads (a record cannot hand itself to them before its constructor returns).
     */
    public LossConfig resolve(LossType defaultType) {
        LossConfig c = lossType != null ? this : new LossConfig(List.of(defaultType), lossWeights, knobs);
        c.create();
        return c;
    }

    /** This config with β chosen for the losses it will train (loss_type, else {@code defaultType}), loss_type left as it is. */
    public LossConfig withBetaFor(LossType defaultType) {
        return new LossConfig(lossType, lossWeights, knobs.withBetaFor(lossType != null ? lossType : List.of(defaultType)));
    }

    /** Whether the losses are the group methods' (grpo, dr_grpo, rloo, spo, nash_md), which train on sampled completions with advantages. */
    public boolean group() { return lossType != null && lossType.stream().anyMatch(t -> t.kind == Kind.GROUP); }

    /** Whether the loss is listwise (pro, lipo, mpo), which trains on a prompt's ranked list of completions. */
    public boolean list() { return lossType != null && lossType.stream().anyMatch(t -> t.kind == Kind.LIST); }

    private static void checkWeights(List<LossType> losses, List<Double> weights) {
        if (weights.size() != losses.size()) {
            throw new ConfigError("loss_weights", "loss_weights has " + weights.size() + " entries but loss_type has " + losses.size() + " " + losses);
        }
        if (weights.stream().anyMatch(w -> !(w >= 0) || w.isInfinite())) {
            throw new ConfigError("loss_weights", "loss_weights must be finite and >= 0, got " + weights);
        }
    }

    /** Knobs that would otherwise be silently ignored by the chosen losses are errors. */
    private static void checkCombination(List<LossType> loss, boolean wpo) {
        boolean unpaired = loss.stream().anyMatch(t -> t.kind == Kind.UNPAIRED);
        if (unpaired && loss.size() > 1) throw new ConfigError("loss_type", "loss_type: unpaired losses cannot be combined with others, got " + loss);
        if (loss.size() > 1 && loss.stream().anyMatch(t -> t.kind == Kind.GROUP)) {
            throw new ConfigError("loss_type", "loss_type: grpo, dr_grpo, rloo and spo cannot be combined with other losses (nor can nash_md), got " + loss);
        }
        if (loss.size() > 1 && loss.stream().anyMatch(t -> t.kind == Kind.LIST)) {
            throw new ConfigError("loss_type", "loss_type: pro, lipo and mpo cannot be combined with other losses, got " + loss);
        }
        if (wpo && (loss.contains(AOT) || loss.contains(AOT_UNPAIRED))) {
            throw new ConfigError("use_weighting", "use_weighting needs per-pair losses, but aot losses are per sorted position");
        }
    }

    /** The configured loss: the single loss when there is one with weight 1, otherwise the weighted sum. */
    public PreferenceLoss create() {
        if (lossType == null) throw new IllegalStateException("loss_type is not chosen yet");
        List<PreferenceLoss> parts = new ArrayList<>();
        for (LossType t : lossType) parts.add(t.create(this));
        return parts.size() == 1 && lossWeights.get(0) == 1.0 ? parts.get(0) : WeightedSum.of(parts, lossWeights);
    }

    /** A key no chosen loss declares (LossType) is unread; the message names the losses that read it. */
    @Override public String unread(String key) {
        if (lossType == null || key.equals("loss_type") || key.equals("loss_weights")) return null;
        // sigmoid reads the coefficient only for the divergence that has one
        if (key.equals("f_alpha_divergence_coef") && lossType.contains(SIGMOID) && knobs.fDivergenceType() != FDivergence.Type.ALPHA_DIVERGENCE) {
            return "f_divergence_type is " + knobs.fDivergenceType().key + ", not alpha_divergence";
        }
        if (lossType.stream().anyMatch(t -> t.readsKey(key))) return null;
        String hints = lossType.stream().map(t -> t.hint(key)).filter(Objects::nonNull).map(h -> "; " + h).collect(Collectors.joining());
        return "loss_type " + lossType + " does not read it (read by " + readers(key) + ")" + hints;
    }

    /** The losses that read {@code key}, briefly: "paired losses", "every loss but orpo and sft", or their names. */
    private static String readers(String key) {
        List<LossType> readers = Arrays.stream(values()).filter(t -> t.readsKey(key)).toList();
        List<LossType> paired = Arrays.stream(values()).filter(t -> t.kind == Kind.REFERENCED || t.kind == Kind.REFERENCE_FREE).toList();
        List<String> others = Arrays.stream(values()).filter(t -> !t.readsKey(key)).map(t -> t.key).toList();
        if (readers.equals(paired)) return "paired losses";
        if (others.size() <= 3) {
            return "every loss but " + String.join(", ", others.subList(0, others.size() - 1)) + " and " + others.get(others.size() - 1);
        }
        return readers.stream().map(t -> t.key).collect(Collectors.joining(", "));
    }
}
