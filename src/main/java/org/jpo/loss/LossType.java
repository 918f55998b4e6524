package org.jpo.loss;

import org.jpo.UserError;
import org.jpo.config.Hints;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The closed set of loss names users write ({@code loss: sigmoid}), each with its kind, formula (as in the
 * formula sheet, spec/losses.md), paper and the loss keys it reads. {@link #create} is the one place a name becomes a
 * loss; a new knob is a {@link LossConfig.Knobs} key, read here and declared with the losses that read it.
 */
@Hints({"aot_pair: TRL's aot_pair is called aot_unpaired here", "dpo: DPO's loss is sigmoid (as in TRL)"})
public enum LossType {
    SIGMOID("sigmoid", Kind.REFERENCED, "−logσ(βδ)", "2305.18290",
            "Rafailov et al. arXiv:2305.18290",
            reads("beta", "f_divergence_type", "f_alpha_divergence_coef")
                    .hint("label_smoothing", "TRL's sigmoid with label_smoothing is loss_type cdpo here")),
    CDPO("cdpo", Kind.REFERENCED, "−(1−ε)·logσ(βδ) − ε·logσ(−βδ)", "2305.18290",
            "Mitchell 2023 note on DPO arXiv:2305.18290",
            reads("beta", "label_smoothing")),
    ROBUST("robust", Kind.REFERENCED, "[−(1−ε)·logσ(βδ) + ε·logσ(−βδ)] / (1−2ε)", "2403.00409",
            "Chowdhury et al. arXiv:2403.00409",
            reads("beta", "label_smoothing")),
    HINGE("hinge", Kind.REFERENCED, "max(0, 1 − βδ)", "2305.10425",
            "Zhao et al. arXiv:2305.10425; Liu et al. arXiv:2309.06657",
            reads("beta")),
    IPO("ipo", Kind.REFERENCED, "(δ̄ − 1/(2β))², δ̄ = ρ⁺/|y⁺| − ρ⁻/|y⁻| (plain: δ)", "2310.12036",
            "Azar et al. arXiv:2310.12036",
            reads("beta")),
    EXO_PAIR("exo_pair", Kind.REFERENCED, "σ(βδ)·(logσ(βδ) − log(1−ε)) + σ(−βδ)·(logσ(−βδ) − log ε)", "2402.00856",
            "Ji et al. arXiv:2402.00856",
            reads("beta")),
    NCA_PAIR("nca_pair", Kind.REFERENCED, "−logσ(R⁺) − ½·logσ(−R⁺) − ½·logσ(−R⁻)", "2402.05369",
            "Chen et al. arXiv:2402.05369",
            reads("beta")),
    BCO_PAIR("bco_pair", Kind.REFERENCED, "−logσ(R⁺ − m) − logσ(−(R⁻ − m))", "2404.04656",
            "Jung et al. arXiv:2404.04656",
            reads("beta")),
    SPPO_HARD("sppo_hard", Kind.REFERENCED, "(ρ⁺ − 1/(2β))² + (ρ⁻ + 1/(2β))²", "2405.00675",
            "Wu et al. arXiv:2405.00675",
            reads("beta")),
    SPPO("sppo", Kind.REFERENCED, "(ρ⁺ − (P⁺ − ½)/β)² + (ρ⁻ − (P⁻ − ½)/β)²", "2405.00675",
            "Wu et al. arXiv:2405.00675, Alg. 1",
            reads("beta")),
    INPO("inpo", Kind.REFERENCED, "P·(h − η/2)² + (1 − P)·(h + η/2)², h = (π⁺ − π⁻) − ηβ·(r⁺ − r⁻) − (1 − ηβ)·(π_t⁺ − π_t⁻)",
            "2407.00617",
            "Zhang et al. (INPO) arXiv:2407.00617, Alg. 1",
            reads("beta")),
    EGPO("egpo", Kind.REFERENCED, "(δ̄ − (P − ½)/β)² (plain: δ), P = P(y⁺ ≻ y⁻), from π_t on π_t's then π_{t+½}'s pairs",
            "2503.08942",
            "Zhou et al. (EGPO) arXiv:2503.08942",
            reads("beta")),
    AOT("aot", Kind.REFERENCED, "d = sorted(π⁺−π⁻) − sorted(r⁺−r⁻): −(1−ε)·logσ(βd) − ε·logσ(−βd)", "2406.05882",
            "Melnyk et al. arXiv:2406.05882",
            reads("beta", "label_smoothing")),
    AOT_UNPAIRED("aot_unpaired", Kind.REFERENCED, "d = sorted(ρ⁺) − sorted(ρ⁻): −(1−ε)·logσ(βd) − ε·logσ(−βd)",
            "2406.05882",
            "Melnyk et al. arXiv:2406.05882",
            reads("beta", "label_smoothing")),
    APO_ZERO("apo_zero", Kind.REFERENCED, "(1 − σ(βρ⁺)) + σ(βρ⁻)", "2408.06266",
            "D'Oosterlinck et al. arXiv:2408.06266, Eq. 7",
            reads("beta")),
    APO_DOWN("apo_down", Kind.REFERENCED, "σ(βρ⁺) + (1 − σ(βδ))", "2408.06266",
            "D'Oosterlinck et al. arXiv:2408.06266, Eq. 8",
            reads("beta")),
    DISCOPOP("discopop", Kind.REFERENCED, "z = βδ, m = σ(z/τ): (1−m)·(−logσ(z)) + m·exp(−z)", "2406.08414",
            "Chris Lu et al. arXiv:2406.08414",
            reads("beta", "discopop_tau")),
    SIGMOID_NORM("sigmoid_norm", Kind.REFERENCED, "−logσ(β·(ρ⁺/|y⁺| − ρ⁻/|y⁻|))", "2411.15124",
            "Tülu 3 arXiv:2411.15124 §4.3",
            reads("beta")),
    DPOP("dpop", Kind.REFERENCED, "−logσ(β·(δ − λ·max(0, r⁺ − π⁺)))", "2402.13228",
            "Pal et al. (Smaug) arXiv:2402.13228",
            reads("beta")),
    RDPO("rdpo", Kind.REFERENCED, "−logσ(βδ − α·(|y⁺| − |y⁻|))", "2403.19159",
            "Park et al. arXiv:2403.19159; Liu et al. arXiv:2406.11817",
            reads("beta")),
    SIMPO("simpo", Kind.REFERENCE_FREE, "−logσ(β·(π̄⁺ − π̄⁻) − γ)", "2405.14734",
            "Meng et al. arXiv:2405.14734",
            reads("beta")),
    CPO("cpo", Kind.REFERENCE_FREE, "−logσ(β·(π⁺ − π⁻)) + λ·NLL(y⁺)", "2401.08417",
            "Xu et al. arXiv:2401.08417",
            reads("beta")),
    ORPO("orpo", Kind.REFERENCE_FREE, "NLL(y⁺) − λ·logσ(logodds(y⁺) − logodds(y⁻)), logodds = π̄ − log(1 − exp(π̄))",
            "2403.07691",
            "Hong et al. arXiv:2403.07691",
            reads().hint("beta", "orpo's weight is orpo.lambda (TRL's ORPOConfig calls it beta)")),
    SFT("sft", Kind.REFERENCE_FREE, "NLL(y⁺) = −π⁺/|y⁺|", "2404.19733",
            "NLL term of RPO, Pang et al. arXiv:2404.19733",
            reads()),
    KTO("kto", Kind.UNPAIRED, "z = max(0, KL̂): desirable λ_D·(1 − σ(β(ρ − z))), undesirable λ_U·(1 − σ(β(z − ρ)))",
            "2402.01306",
            "Ethayarajh et al. arXiv:2402.01306",
            reads("beta", "desirable_weight", "undesirable_weight")),
    APO_ZERO_UNPAIRED("apo_zero_unpaired", Kind.UNPAIRED, "desirable 1 − σ(βρ), undesirable σ(βρ)", "2408.06266",
            "D'Oosterlinck et al. arXiv:2408.06266",
            reads("beta")),
    GRPO("grpo", Kind.GROUP, "−min(ρ_t·A, clip(ρ_t, 1±ε)·A) + β·k3_t, token mean per sample; A = (r − mean_g)/(std_g + 1e-4)",
            "2402.03300",
            "Shao et al. (DeepSeekMath) arXiv:2402.03300",
            reads()),
    DR_GRPO("dr_grpo", Kind.GROUP, "same terms, Σ_i Σ_t / (N·L_max); A = r − mean_g", "2503.20783",
            "Liu et al. (Dr. GRPO) arXiv:2503.20783",
            reads()),
    RLOO("rloo", Kind.GROUP, "same terms, Σ_t per sample, mean over samples; A_i = r_i − mean_{j≠i} r_j", "2402.14740",
            "Ahmadian et al. arXiv:2402.14740",
            reads()),
    NASH_MD("nash_md", Kind.GROUP, "−Σ_t min(ρ_t·Â_t, clip(ρ_t, 1±ε)·Â_t), Â_t = (P(y≻y′) − ½) − β·Σ_{s≥t} (π_s − r_s); "
            + "y ∼ π, y′ ∼ π^mix ∝ π^(1−mixture_coef)·μ^mixture_coef", "2312.00886",
            "Munos et al. (Nash-MD-PG) arXiv:2312.00886 §7",
            reads("mixture_coef")),
    PRO("pro", Kind.LIST, "Σ_i [log(e^π̄_i + Σ_{ψ_j<ψ_i} e^π̄_j) − π̄_i] + λ·NLL(y_1): Plackett–Luce on π̄, ties unordered",
            "2306.17492",
            "Song et al. (PRO) arXiv:2306.17492",
            reads()),
    LIPO("lipo", Kind.LIST, "Σ_{ψ_i>ψ_j} Δ_ij·log(1 + e^−(s_i−s_j)), s = β·ρ, Δ_ij = |2^ψ_i − 2^ψ_j|·|1/log2(1+τ_i) − 1/log2(1+τ_j)|",
            "2402.01878",
            "Liu et al. (LiPO-λ) arXiv:2402.01878",
            reads("beta")),
    MPO("mpo", Kind.LIST, "−log(Σ_{ψ_i>ψ̄} w_i·e^s_i / Σ_k w_k·e^s_k), s = β·ρ, w_k = exp(α·|ψ_k − ψ̄|)", "2412.04628",
            "Gupta et al. (MPO, first titled SWEPO) arXiv:2412.04628",
            reads("beta")),
    SPO("spo", Kind.GROUP, "same terms, Σ_t per sample, mean over samples; A_i = w_i − ½, w_i the sample's win rate against the others",
            "2401.04056",
            "Swamy et al. (SPO) arXiv:2401.04056",
            reads());

    /** What a loss reads, which decides its Java type. */
    public enum Kind {
        // the trainer applies LD-DPO's length weighting and WPO's pair weights to every paired loss's log-probs
        REFERENCED("referenced", "ld_alpha", "use_weighting", "margin_weighting"),
        REFERENCE_FREE("reference-free", "ld_alpha", "use_weighting", "margin_weighting"),
        UNPAIRED("unpaired"),
        // the group methods (pairs.strategy group): clipped policy gradient with an optional k3 KL penalty (spo's rewards are win rates)
        GROUP("group", "beta", "epsilon", "num_iterations"),
        // the listwise losses (pairs.strategy list): a prompt's K completions ranked by their scores ψ in one term
        LIST("list");

        public final String label;
        /** The top-level loss keys every loss of this kind reads. */
        final List<String> reads;

        Kind(String label, String... reads) {
            this.label = label;
            this.reads = List.of(reads);
        }
    }

    /**
     * The top-level loss keys a loss reads (its own block, named after it, it reads too), and advice for a user who
     * sets a key it does not read, in TRL's terms.
     */
    record Keys(List<String> reads, Map<String, String> hints) {
        Keys hint(String key, String advice) {
            Map<String, String> more = new LinkedHashMap<>(hints);
            more.put(key, advice);
            return new Keys(reads, Map.copyOf(more));
        }
    }

    private static Keys reads(String... keys) { return new Keys(List.of(keys), Map.of()); }

    /** The name users write, e.g. {@code exo_pair}. */
    public final String key;
    public final Kind kind;
    /** The per-example loss, plain text as in the formula sheet. */
    public final String formula;
    /** The arXiv id of the paper to cite, e.g. {@code 2305.18290}. */
    public final String arxiv;
    /** The citation, e.g. "Rafailov et al. arXiv:2305.18290" (it contains {@link #arxiv}). */
    public final String paper;
    private final Keys keys;

    LossType(String key, Kind kind, String formula, String arxiv, String paper, Keys keys) {
        this.key = key;
        this.kind = kind;
        this.formula = formula;
        this.arxiv = arxiv;
        this.paper = paper;
        this.keys = keys;
    }

    /** Whether this loss reads {@code key}: a top-level key it or its kind declares, or a key of its own block. */
    public boolean readsKey(String key) {
        String block = key.split("\\.")[0];
        return block.equals(this.key) || keys.reads.contains(key) || kind.reads.contains(key);
    }

    /** The top-level keys this loss and its kind declare (its block aside). */
    List<String> declaredKeys() { return java.util.stream.Stream.concat(keys.reads.stream(), kind.reads.stream()).toList(); }

    /** What to tell a TRL user who set {@code key}, which this loss does not read; null when there is nothing to add. */
    String hint(String key) { return keys.hints.get(key); }

    @Override public String toString() { return key; }

    /** The loss type a user named, or a {@link UserError} listing the valid names. */
    public static LossType parse(String name) {
        for (LossType t : values()) {
            if (t.key.equals(name)) return t;
        }
        throw new UserError("unknown loss '" + name + "'; expected one of: "
                + Arrays.stream(values()).map(t -> t.key).collect(Collectors.joining(", ")));
    }

    /** This loss with the knobs of {@code c} (β and the knob(s) it reads); a knob out of range names its key. */
    public PreferenceLoss create(LossConfig config) {
        LossConfig.Knobs c = config.knobs();
        double beta = c.beta();
        return switch (this) {
            case SIGMOID -> new Sigmoid(beta, c.fDivergence());
            case CDPO -> new Cdpo(beta, c.labelSmoothing());
            case ROBUST -> new Robust(beta, c.labelSmoothing());
            case HINGE -> new Hinge(beta);
            case IPO -> new Ipo(beta, c.ipo().plain());
            case EXO_PAIR -> new ExoPair(beta, c.exoPair().epsilon());
            case NCA_PAIR -> new NcaPair(beta);
            case BCO_PAIR -> new BcoPair(beta, 0.0);   // the trainer moves the mean when bco_pair.running_mean is on
            case SPPO_HARD -> new SppoHard(beta);
            case SPPO -> new Sppo(beta);
            case INPO -> new Inpo(c.inpo().eta(), beta);
            case EGPO -> new Egpo(beta, c.egpo().plain());
            case AOT -> new Aot(beta, c.labelSmoothing());
            case AOT_UNPAIRED -> new AotUnpaired(beta, c.labelSmoothing());
            case APO_ZERO -> new ApoZero(beta);
            case APO_DOWN -> new ApoDown(beta);
            case DISCOPOP -> new Discopop(beta, c.discopopTau());
            case SIGMOID_NORM -> new SigmoidNorm(beta);
            case DPOP -> new Dpop(beta, c.dpop().lambda());
            case RDPO -> new Rdpo(beta, c.rdpo().alpha());
            case SIMPO -> new Simpo(beta, c.simpo().gamma());
            case CPO -> new Cpo(beta, c.cpo().alpha());
            case ORPO -> new Orpo(c.orpo().lambda());
            case SFT -> new Sft();
            case KTO -> new Kto(beta, c.desirableWeight(), c.undesirableWeight());
            case APO_ZERO_UNPAIRED -> new ApoZeroUnpaired(beta);
            case GRPO, DR_GRPO, RLOO, SPO, NASH_MD -> new GroupLoss(this, c.epsilon(), beta);
            case PRO -> new Pro(c.pro().sftWeight());
            case LIPO -> new LipoLambda(beta);
            case MPO -> new Mpo(beta, c.mpo().alpha());
        };
    }
}
