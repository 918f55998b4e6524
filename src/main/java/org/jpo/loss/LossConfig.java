package org.jpo.loss;

import org.jpo.UserError;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The loss section of a run config, with TRL's names (shown in snake_case, as in a config file). Each
 * loss reads β and its own knobs; the others are ignored. Build one with {@link #builder()}, which also
 * checks every knob the chosen losses read; {@link #create()} turns it into a loss.
 *
 * @param loss              {@code loss}: one or more loss names; several make a weighted sum (default [sigmoid])
 * @param weights           {@code weights}: one weight ≥ 0 per loss (default: 1.0 each)
 * @param beta              {@code beta}: β &gt; 0, the KL strength (default 0.1)
 * @param labelSmoothing    {@code label_smoothing}: ε of cdpo, robust, aot, aot_unpaired, in [0, 0.5) (default 0)
 * @param epsilon           {@code epsilon}: ε of exo_pair, in (0, 1) (default 1e-3)
 * @param ipoPlain          {@code ipo_plain}: ipo on summed instead of per-token log-ratios (default false)
 * @param bcoRunningMean    {@code bco_running_mean}: the trainer shifts bco_pair by a running reward mean
 *                          ({@link BcoPair.RunningMean}) instead of TRL's m = 0 (default false); the loss built
 *                          here starts at m = 0
 * @param discopopTau       {@code discopop_tau}: τ &gt; 0 (default 0.05)
 * @param dpopLambda        {@code dpop_lambda}: λ ≥ 0 of dpop (default 50)
 * @param rdpoAlpha         {@code rdpo_alpha}: length penalty α ≥ 0 of rdpo (default 0.01)
 * @param simpoGamma        {@code simpo_gamma}: margin γ ≥ 0 of simpo (default 0.5)
 * @param cpoAlpha          {@code cpo_alpha}: NLL weight λ ≥ 0 of cpo (default 1.0)
 * @param orpoLambda        {@code orpo_lambda}: odds-ratio weight λ ≥ 0 of orpo (TRL ORPO's beta; default 0.1)
 * @param desirableWeight   {@code desirable_weight}: λ_D of kto (default 1.0)
 * @param undesirableWeight {@code undesirable_weight}: λ_U of kto (default 1.0)
 * @param fDivergenceType   {@code f_divergence_type}: the sigmoid loss's f-divergence (default reverse_kl = DPO)
 * @param fDivergenceAlpha  {@code f_divergence_alpha}: α of alpha_divergence, ≠ 1 (default 0.5). This is the
 *                          formula sheet's α; TRL's {@code f_alpha_divergence_coef} a is α = 1 − a
 * @param ldAlpha           {@code ld_alpha}: LD-DPO weight of tokens past the shared length, in [0, 1]
 *                          (default 1 = off), applied by the trainer via {@link LdDpo}
 * @param useWeighting      {@code use_weighting}: WPO weights ({@link Wpo}), applied by the trainer (default false)
 */
public record LossConfig(List<LossType> loss, List<Double> weights, double beta, double labelSmoothing,
                         double epsilon, boolean ipoPlain, boolean bcoRunningMean, double discopopTau,
                         double dpopLambda, double rdpoAlpha, double simpoGamma, double cpoAlpha, double orpoLambda,
                         double desirableWeight, double undesirableWeight, FDivergence.Type fDivergenceType,
                         double fDivergenceAlpha, double ldAlpha, boolean useWeighting) {
    public static final LossConfig DEFAULT = builder().build();

    public LossConfig {
        if (loss == null || loss.isEmpty() || loss.stream().anyMatch(Objects::isNull)) throw new UserError("loss config: loss must name at least one loss");
        loss = List.copyOf(loss);
        if (weights != null && weights.stream().anyMatch(Objects::isNull)) throw new UserError("loss config: weights has an empty entry");
        weights = weights == null || weights.isEmpty() ? Collections.nCopies(loss.size(), 1.0) : List.copyOf(weights);
        if (weights.size() != loss.size()) {
            throw new UserError("loss config: weights has " + weights.size() + " entries but loss has " + loss.size() + " " + loss);
        }
        if (!(beta > 0) || Double.isInfinite(beta)) throw new UserError("loss config: beta must be a finite number > 0, got " + beta);
        if (fDivergenceType == null) throw new UserError("loss config: f_divergence_type is missing");
        if (!(ldAlpha >= 0 && ldAlpha <= 1)) throw new UserError("loss config: ld_alpha must be in [0, 1], got " + ldAlpha);
        checkCombination(loss, fDivergenceType, ldAlpha, useWeighting);
    }

    /** Knobs that would otherwise be silently ignored by the chosen losses are errors. */
    private static void checkCombination(List<LossType> loss, FDivergence.Type f, double ldAlpha, boolean wpo) {
        boolean unpaired = loss.stream().anyMatch(t -> t.kind == LossType.Kind.UNPAIRED);
        if (unpaired && loss.size() > 1) {
            throw new UserError("loss config: unpaired losses cannot be combined with others, got " + loss);
        }
        if (f != FDivergence.Type.REVERSE_KL && !loss.contains(LossType.SIGMOID)) {
            throw new UserError("loss config: f_divergence_type " + f.key + " applies to the sigmoid loss only, got " + loss);
        }
        if (unpaired && (ldAlpha != 1 || wpo)) {
            throw new UserError("loss config: ld_alpha and use_weighting apply to paired losses only, got " + loss);
        }
        if (wpo && (loss.contains(LossType.AOT) || loss.contains(LossType.AOT_UNPAIRED))) {
            throw new UserError("loss config: use_weighting needs per-pair losses, but aot losses are per sorted position");
        }
    }

    /** The f-divergence of the sigmoid loss. */
    public FDivergence fDivergence() { return new FDivergence(fDivergenceType, fDivergenceAlpha); }

    /**
     * The configured loss: the single loss when there is one with weight 1, otherwise the weighted sum.
     *
     * @throws UserError if a knob a chosen loss reads is out of range
     */
    public PreferenceLoss create() {
        List<PreferenceLoss> parts = new ArrayList<>();
        for (LossType t : loss) parts.add(t.create(this));
        if (parts.size() == 1 && weights.get(0) == 1.0) return parts.get(0);
        try {
            return WeightedSum.of(parts, weights);
        } catch (IllegalArgumentException e) {
            throw new UserError("loss settings: " + e.getMessage(), e);
        }
    }

    public static Builder builder() { return new Builder(); }

    /** Fluent construction with the documented defaults; {@link #build} validates the knobs the losses read. */
    public static final class Builder {
        private List<LossType> loss = List.of(LossType.SIGMOID);
        private List<Double> weights = List.of();
        private double beta = 0.1, labelSmoothing = 0, epsilon = 1e-3, discopopTau = 0.05, dpopLambda = 50,
                rdpoAlpha = 0.01, simpoGamma = 0.5, cpoAlpha = 1.0, orpoLambda = 0.1, desirableWeight = 1.0,
                undesirableWeight = 1.0, fDivergenceAlpha = 0.5, ldAlpha = 1.0;
        private boolean ipoPlain, bcoRunningMean, useWeighting;
        private FDivergence.Type fDivergenceType = FDivergence.Type.REVERSE_KL;

        private Builder() {}

        public Builder loss(LossType... types) { loss = List.of(types); return this; }
        public Builder loss(List<LossType> types) { loss = types; return this; }
        public Builder weights(Double... w) { weights = List.of(w); return this; }
        public Builder weights(List<Double> w) { weights = w; return this; }
        public Builder beta(double v) { beta = v; return this; }
        public Builder labelSmoothing(double v) { labelSmoothing = v; return this; }
        public Builder epsilon(double v) { epsilon = v; return this; }
        public Builder ipoPlain(boolean v) { ipoPlain = v; return this; }
        public Builder bcoRunningMean(boolean v) { bcoRunningMean = v; return this; }
        public Builder discopopTau(double v) { discopopTau = v; return this; }
        public Builder dpopLambda(double v) { dpopLambda = v; return this; }
        public Builder rdpoAlpha(double v) { rdpoAlpha = v; return this; }
        public Builder simpoGamma(double v) { simpoGamma = v; return this; }
        public Builder cpoAlpha(double v) { cpoAlpha = v; return this; }
        public Builder orpoLambda(double v) { orpoLambda = v; return this; }
        public Builder desirableWeight(double v) { desirableWeight = v; return this; }
        public Builder undesirableWeight(double v) { undesirableWeight = v; return this; }
        public Builder fDivergenceType(FDivergence.Type v) { fDivergenceType = v; return this; }
        public Builder fDivergenceAlpha(double v) { fDivergenceAlpha = v; return this; }
        public Builder ldAlpha(double v) { ldAlpha = v; return this; }
        public Builder useWeighting(boolean v) { useWeighting = v; return this; }

        /** The config; fails with a {@link UserError} if a knob the chosen losses read is out of range. */
        public LossConfig build() {
            LossConfig c = new LossConfig(loss, weights, beta, labelSmoothing, epsilon, ipoPlain, bcoRunningMean,
                    discopopTau, dpopLambda, rdpoAlpha, simpoGamma, cpoAlpha, orpoLambda, desirableWeight,
                    undesirableWeight, fDivergenceType, fDivergenceAlpha, ldAlpha, useWeighting);
            c.create();
            return c;
        }
    }
}
