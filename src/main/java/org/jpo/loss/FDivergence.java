package org.jpo.loss;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import static org.jpo.tensor.Tensors.s;

/**
 * f-divergence DPO (Wang et al., arXiv:2309.16240): each log-ratio ρ is replaced by f′(e^ρ) before δ is
 * formed, so {@code δ_f = f′(e^ρ⁺) − f′(e^ρ⁻)}. Reverse KL gives plain DPO.
 * <ul>
 * <li>{@code reverse_kl}: ρ</li>
 * <li>{@code forward_kl}: −exp(−ρ)</li>
 * <li>{@code js_divergence}: logσ(ρ) (log 2 dropped: it cancels in δ)</li>
 * <li>{@code alpha_divergence}: (exp((α−1)ρ) − 1)/(α−1), α ≠ 1 (α → 1 is reverse KL, α = 0 forward KL up
 *     to a constant). TRL's {@code f_alpha_divergence_coef} a maps to α = 1 − a.</li>
 * </ul>
 * Exponents are capped at {@value #EXP_CAP} as TRL's {@code cap_exp} does: beyond it σ(β·δ_f) is saturated
 * for any usable β, and an uncapped exp would overflow to ∞ and poison the gradient with NaN.
 *
 * @param type  which divergence
 * @param alpha α of the α-divergence; must be finite and ≠ 1 for {@code alpha_divergence}, unused otherwise
 */
public record FDivergence(Type type, double alpha) {
    static final double EXP_CAP = 80;

    /** The names TRL's {@code f_divergence_type} uses. */
    public enum Type {
        REVERSE_KL("reverse_kl"), FORWARD_KL("forward_kl"), JS_DIVERGENCE("js_divergence"),
        ALPHA_DIVERGENCE("alpha_divergence");

        public final String key;

        Type(String key) { this.key = key; }
    }

    public static final FDivergence REVERSE_KL = new FDivergence(Type.REVERSE_KL, 0.5);
    public static final FDivergence FORWARD_KL = new FDivergence(Type.FORWARD_KL, 0.5);
    public static final FDivergence JS_DIVERGENCE = new FDivergence(Type.JS_DIVERGENCE, 0.5);

    public FDivergence {
        if (type == null) throw new IllegalArgumentException("f-divergence: type is missing");
        if (type != Type.ALPHA_DIVERGENCE) alpha = 0.5;   // read by alpha_divergence only: other types compare equal
        if (type == Type.ALPHA_DIVERGENCE && (!Double.isFinite(alpha) || alpha == 1)) {
            throw new IllegalArgumentException("alpha_divergence: f_divergence_alpha must be finite and != 1 (α = 1 is reverse_kl), got "
                    + alpha);
        }
    }

    public static FDivergence alpha(double alpha) { return new FDivergence(Type.ALPHA_DIVERGENCE, alpha); }

    /** f′(e^ρ) elementwise [B]. */
    public Tensor apply(Tensor rho) {
        return switch (type) {
            case REVERSE_KL -> rho;
            case FORWARD_KL -> cappedExp(rho.neg()).neg();                                      // [B]
            case JS_DIVERGENCE -> torch.logsigmoid(rho);                                        // [B]
            case ALPHA_DIVERGENCE -> cappedExp(rho.mul(s(alpha - 1))).sub(s(1)).div(s(alpha - 1)); // [B]
        };
    }

    private static Tensor cappedExp(Tensor x) { return x.clamp_max(s(EXP_CAP)).exp(); }
}
