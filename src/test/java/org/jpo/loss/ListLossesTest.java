package org.jpo.loss;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.function.Function;

import static org.jpo.tensor.Tensors.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * PRO, LiPO-λ and MPO on hand lists of 4, 3 and 2 completions (padded to 4 with values the mask must hide): values
 * against the formulas evaluated with {@link Math} in doubles, gradients against central differences of those formulas;
 * K = 2 against the repo's pairwise losses; a mixed batch against its lists one by one; ties; and a bandit.
 */
class ListLossesTest {
    static final int K = 4;
    static final int[] LEN = {4, 3, 2};
    /** Policy and reference log-prob sums, lengths and scores; list 0 has a tie below its top, list 1 a tie at its top, list 2 a score below the padding's 0. */
    static final double[][] PI = {{-3.0, -5.0, -2.5, -6.0}, {-4.0, -1.5, -3.5, 9.0}, {-2.0, -2.8, 7.0, -8.0}};
    static final double[][] REF = {{-3.6, -4.1, -3.0, -5.2}, {-3.0, -2.5, -3.1, 1.0}, {-2.4, -2.1, 4.0, 2.0}};
    static final double[][] LENGTHS = {{3, 5, 2, 4}, {2, 1, 3, 1}, {4, 2, 1, 1}};
    static final double[][] PSI = {{3, 1, 1, 0}, {2, 2, 0.5, 7}, {0.8, -0.3, 9, 9}};
    static final double BETA = 0.7;
    static final double H = 1e-6;

    // ---- the formulas, in doubles ----

    /** PRO on one list of n: Σ_i [log(e^{r_i} + Σ_{ψ_j<ψ_i} e^{r_j}) − r_i] + λ·mean over the top tier of −r_i. */
    static double pro(double[] pi, double[] len, double[] psi, int n, double lambda) {
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = pi[i] / len[i];
        double loss = 0, top = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double z = Math.exp(r[i]);
            for (int j = 0; j < n; j++) if (psi[j] < psi[i]) z += Math.exp(r[j]);
            loss += Math.log(z) - r[i];
            top = Math.max(top, psi[i]);
        }
        double nll = 0;
        int count = 0;
        for (int i = 0; i < n; i++) if (psi[i] == top) { nll -= r[i]; count++; }
        return loss + lambda * nll / count;
    }

    /** LiPO-λ on one list of n: Σ_{ψ_i>ψ_j} |G_i − G_j|·|1/D(τ_i) − 1/D(τ_j)|·log(1 + e^{−(s_i − s_j)}). */
    static double lipo(double[] pi, double[] ref, double[] psi, int n, double beta) {
        double[] sc = new double[n], invD = new double[n];
        for (int i = 0; i < n; i++) sc[i] = beta * (pi[i] - ref[i]);
        for (int i = 0; i < n; i++) {
            int tau = 1;
            for (int j = 0; j < n; j++) if (sc[j] > sc[i] || (sc[j] == sc[i] && j < i)) tau++;
            invD[i] = Math.log(2) / Math.log(1 + tau);
        }
        double loss = 0;
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
            if (!(psi[i] > psi[j])) continue;
            double delta = Math.abs(Math.pow(2, psi[i]) - Math.pow(2, psi[j])) * Math.abs(invD[i] - invD[j]);
            loss += delta * Math.log1p(Math.exp(-(sc[i] - sc[j])));
        }
        return loss;
    }

    /**
     * MPO on one list of n: −log(Σ_{ψ_i>ψ̄} w_i·e^{s_i} / Σ_k w_k·e^{s_k}), w_k = e^{α·|ψ_k − ψ̄|}, s = β·(π − r);
     * 0 when no ψ is above the mean.
     */
    static double mpo(double[] pi, double[] ref, double[] psi, int n, double beta, double alpha) {
        double mean = 0;
        for (int i = 0; i < n; i++) mean += psi[i];
        mean /= n;
        double num = 0, den = 0;
        for (int i = 0; i < n; i++) {
            double term = Math.exp(alpha * Math.abs(psi[i] - mean) + beta * (pi[i] - ref[i]));
            den += term;
            if (psi[i] > mean) num += term;
        }
        return num == 0 ? 0 : -Math.log(num / den);
    }

    /** d f / d pi[k] by central differences. */
    static double derivative(Function<double[], Double> f, double[] pi, int k) {
        double[] up = pi.clone(), down = pi.clone();
        up[k] += H;
        down[k] -= H;
        return (f.apply(up) - f.apply(down)) / (2 * H);
    }

    // ---- tensors ----

    static Tensor table(double[][] v) {
        double[] flat = new double[v.length * K];
        for (int i = 0; i < v.length; i++) System.arraycopy(v[i], 0, flat, K * i, K);
        return doubles(flat, v.length, K);
    }

    static Tensor mask(int[] len) {
        double[] m = new double[len.length * K];
        for (int i = 0; i < len.length; i++) for (int t = 0; t < len[i]; t++) m[K * i + t] = 1;
        return doubles(m, len.length, K);
    }

    static ListBatch batch(Tensor pi) {
        return new ListBatch(pi, Optional.of(table(REF)), table(LENGTHS), table(PSI), mask(LEN));
    }

    /** Loss and gradient of the batch mean against the per-list formula (value and central differences). */
    void check(Function<ListBatch, ListBatch.Result> loss, ListFormula formula, String what) {
        try (PointerScope scope = new PointerScope()) {
            Tensor pi = table(PI).requires_grad_(true);
            ListBatch.Result r = loss.apply(batch(pi));
            r.mean().backward();
            double[] losses = toDoubles(r.losses()), grad = toDoubles(pi.grad());
            for (int b = 0; b < 3; b++) {
                int n = LEN[b], bb = b;
                Function<double[], Double> f = p -> formula.value(p, REF[bb], LENGTHS[bb], PSI[bb], n);
                assertEquals(f.apply(PI[b]), losses[b], 1e-12, what + " loss of list " + b);
                for (int k = 0; k < K; k++) {
                    double expected = k < n ? derivative(f, PI[b], k) / 3 : 0;
                    assertEquals(expected, grad[K * b + k], 1e-8, what + " gradient at " + b + "," + k);
                }
            }
        }
    }

    interface ListFormula { double value(double[] pi, double[] ref, double[] len, double[] psi, int n); }

    @Test void proMatchesItsFormulaWithTiesAndPadding() {
        check(b -> new Pro(0).apply(b), (p, ref, len, psi, n) -> pro(p, len, psi, n, 0), "pro");
        check(b -> new Pro(0.3).apply(b), (p, ref, len, psi, n) -> pro(p, len, psi, n, 0.3), "pro λ 0.3");
    }

    @Test void lipoLambdaMatchesItsFormulaWithTiesAndPadding() {
        check(b -> new LipoLambda(BETA).apply(b), (p, ref, len, psi, n) -> lipo(p, ref, psi, n, BETA), "lipo_lambda");
    }

    @Test void mpoMatchesItsFormulaWithTiesAndPadding() {
        for (double alpha : new double[] {0, 0.6}) {
            check(b -> new Mpo(BETA, alpha).apply(b), (p, ref, len, psi, n) -> mpo(p, ref, psi, n, BETA, alpha), "mpo α " + alpha);
        }
    }

    /**
     * MPO on hand numbers worked on paper: K = 3, s = (1, 0, 2), ψ = (2, 1, 0), α = ln 2. ψ̄ = 1, so Y⁺ = {0} and
     * Y⁻ = {1, 2} (ψ = ψ̄ is a negative); w = (2^1, 2^0, 2^1) = (2, 1, 2); L = −log(2e / (2e + 1 + 2e²)).
     */
    @Test void mpoOnAListWorkedByHand() {
        double expected = -Math.log(2 * Math.E / (2 * Math.E + 1 + 2 * Math.E * Math.E));
        try (PointerScope scope = new PointerScope()) {
            ListBatch b = new ListBatch(doubles(new double[] {1, 0, 2}, 1, 3), Optional.of(doubles(new double[] {0, 0, 0}, 1, 3)),
                    doubles(new double[] {1, 1, 1}, 1, 3), doubles(new double[] {2, 1, 0}, 1, 3), doubles(new double[] {1, 1, 1}, 1, 3));
            assertEquals(expected, item(new Mpo(1, Math.log(2)).apply(b).mean()), 1e-14);
        }
    }

    /** The value of {@code lipo} on hand numbers worked on paper: K = 3, s = (1, 0, 2), ψ = (2, 1, 0). */
    @Test void lipoLambdaOnAListWorkedByHand() {
        // τ = (2, 3, 1); 1/D = (1/log2 3, 1/2, 1); G = (3, 1, 0).
        double a = 1 / (Math.log(3) / Math.log(2));
        double expected = 2 * Math.abs(a - 0.5) * Math.log1p(Math.exp(-1))      // (0,1): s 1 − 0
                + 3 * Math.abs(a - 1) * Math.log1p(Math.exp(1))                  // (0,2): s 1 − 2
                + 1 * Math.abs(0.5 - 1) * Math.log1p(Math.exp(2));               // (1,2): s 0 − 2
        try (PointerScope scope = new PointerScope()) {
            ListBatch b = new ListBatch(doubles(new double[] {1, 0, 2}, 1, 3), Optional.of(doubles(new double[] {0, 0, 0}, 1, 3)),
                    doubles(new double[] {1, 1, 1}, 1, 3), doubles(new double[] {2, 1, 0}, 1, 3), doubles(new double[] {1, 1, 1}, 1, 3));
            assertEquals(expected, item(new LipoLambda(1).apply(b).mean()), 1e-14);
        }
    }

    /**
     * At K = 2, PRO without its SFT term is SimPO with β = 1, γ = 0 (−logσ(π̄⁺ − π̄⁻), Bradley–Terry on π̄); LiPO-λ is DPO
     * times Δ; MPO is DPO: at α = 0 by its definition, and at any α because the two weights are equal.
     */
    @Test void atTwoCompletionsTheListLossesArePairwise() {
        double[][] pairs = {{-3.0, -5.0, -3.6, -4.1, 3, 5}, {-4.0, -1.5, -3.0, -2.5, 2, 1}, {-7.0, -7.2, -6.0, -6.5, 4, 3}};
        double[] psiC = {1, 0.9, 4}, psiR = {0, 0.2, 1};
        try (PointerScope scope = new PointerScope()) {
            for (int p = 0; p < 3; p++) {
                double[] v = pairs[p];
                Tensor list = doubles(new double[] {v[0], v[1]}, 1, 2), ref = doubles(new double[] {v[2], v[3]}, 1, 2);
                ListBatch lb = new ListBatch(list, Optional.of(ref), doubles(new double[] {v[4], v[5]}, 1, 2),
                        doubles(new double[] {psiC[p], psiR[p]}, 1, 2), doubles(new double[] {1, 1}, 1, 2));
                PairLogps policy = new PairLogps(new Logps(doubles(new double[] {v[0]}, 1), doubles(new double[] {v[4]}, 1)), new Logps(doubles(new double[] {v[1]}, 1), doubles(new double[] {v[5]}, 1)));
                PairLogps reference = new PairLogps(new Logps(doubles(new double[] {v[2]}, 1), doubles(new double[] {v[4]}, 1)), new Logps(doubles(new double[] {v[3]}, 1), doubles(new double[] {v[5]}, 1)));
                PairBatch pb = new PairBatch(policy, reference);
                assertEquals(item(new Simpo(1, 0).apply(policy).mean()), item(new Pro(0).apply(lb).mean()), 1e-14, "pro at K=2, pair " + p);
                double delta = Math.abs(Math.pow(2, psiC[p]) - Math.pow(2, psiR[p])) * (1 - Math.log(2) / Math.log(3));
                assertEquals(delta * item(new Sigmoid(BETA).apply(pb).mean()), item(new LipoLambda(BETA).apply(lb).mean()), 1e-14,
                        "lipo_lambda at K=2, pair " + p);
                for (double alpha : new double[] {0, 0.6, 3}) {
                    assertEquals(item(new Sigmoid(BETA).apply(pb).mean()), item(new Mpo(BETA, alpha).apply(lb).mean()), 1e-14,
                            "mpo α " + alpha + " at K=2, pair " + p);
                }
            }
        }
    }

    /** Lists of 4, 3 and 2 in one padded batch give each list's loss and gradient as when computed alone. */
    @Test void aMixedBatchEqualsItsListsOneByOne() {
        for (Function<ListBatch, ListBatch.Result> loss : java.util.List.<Function<ListBatch, ListBatch.Result>>of(
                b -> new Pro(0.3).apply(b), b -> new LipoLambda(BETA).apply(b), b -> new Mpo(BETA, 0.6).apply(b))) {
            try (PointerScope scope = new PointerScope()) {
                Tensor pi = table(PI).requires_grad_(true);
                ListBatch.Result together = loss.apply(batch(pi));
                together.losses().sum().backward();
                double[] losses = toDoubles(together.losses()), grad = toDoubles(pi.grad());
                for (int b = 0; b < 3; b++) {
                    int n = LEN[b];
                    Tensor alone = doubles(java.util.Arrays.copyOf(PI[b], n), 1, n).requires_grad_(true);
                    ListBatch one = new ListBatch(alone, Optional.of(doubles(java.util.Arrays.copyOf(REF[b], n), 1, n)),
                            doubles(java.util.Arrays.copyOf(LENGTHS[b], n), 1, n), doubles(java.util.Arrays.copyOf(PSI[b], n), 1, n),
                            torch.ones(1, n).to(torch.ScalarType.Double));
                    ListBatch.Result r = loss.apply(one);
                    r.losses().sum().backward();
                    assertEquals(item(r.losses()), losses[b], 1e-14, "list " + b);
                    double[] g = toDoubles(alone.grad());
                    for (int k = 0; k < K; k++) assertEquals(k < n ? g[k] : 0, grad[K * b + k], 1e-14, "gradient at " + b + "," + k);
                }
            }
        }
    }

    /** A list whose completions all tie carries no ordering: PRO (without SFT), LiPO-λ and MPO (no positives) are 0 with no gradient. */
    @Test void aListOfTiesOrdersNothing() {
        try (PointerScope scope = new PointerScope()) {
            Tensor pi = doubles(new double[] {-1, -3, -2}, 1, 3).requires_grad_(true);
            ListBatch b = new ListBatch(pi, Optional.of(doubles(new double[] {-2, -2, -2}, 1, 3)), doubles(new double[] {1, 2, 1}, 1, 3),
                    doubles(new double[] {0.5, 0.5, 0.5}, 1, 3), doubles(new double[] {1, 1, 1}, 1, 3));
            Tensor total = new Pro(0).apply(b).mean().add(new LipoLambda(BETA).apply(b).mean()).add(new Mpo(BETA, 0.6).apply(b).mean());
            total.backward();
            assertEquals(0, item(total), 1e-15);
            for (double g : toDoubles(pi.grad())) assertEquals(0, g, 1e-15);
        }
    }

    /** Log-ratios of ±1000 (and PRO's π̄ of −1000 against 0): every loss and gradient stays finite. */
    @Test void finiteAtLargeMargins() {
        for (Function<ListBatch, ListBatch.Result> loss : java.util.List.<Function<ListBatch, ListBatch.Result>>of(
                b -> new Pro(0.3).apply(b), b -> new LipoLambda(1).apply(b), b -> new Mpo(1, 1).apply(b))) {
            for (double sign : new double[] {1, -1}) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor pi = doubles(new double[] {1000 * sign, 0, -1000 * sign}, 1, 3).requires_grad_(true);
                    ListBatch b = new ListBatch(pi, Optional.of(doubles(new double[] {0, 0, 0}, 1, 3)), doubles(new double[] {1, 1, 1}, 1, 3),
                            doubles(new double[] {2, 1, 0}, 1, 3), doubles(new double[] {1, 1, 1}, 1, 3));
                    Tensor l = loss.apply(b).mean();
                    l.backward();
                    assertTrue(Double.isFinite(item(l)), "loss " + item(l));
                    for (double g : toDoubles(pi.grad())) assertTrue(Double.isFinite(g), "gradient " + g);
                }
            }
        }
    }

    /**
     * The list metrics on the hand lists (MPO's s = β·ρ), against the definitions in doubles: tier means of s and π, the
     * share of strictly ordered pairs s orders alike, mean K; and a list whose scores all tie counted in frac_reward_zero_std.
     */
    @Test void listMetricsFollowTheirDefinitions() {
        double chosen = 0, rejected = 0, logpChosen = 0, logpRejected = 0, pairs = 0, agree = 0;
        for (int b = 0; b < 3; b++) {
            int n = LEN[b];
            double hi = Double.NEGATIVE_INFINITY, lo = Double.POSITIVE_INFINITY;
            for (int i = 0; i < n; i++) { hi = Math.max(hi, PSI[b][i]); lo = Math.min(lo, PSI[b][i]); }
            double[] top = new double[3], bottom = new double[3];   // Σ s, Σ π, count
            for (int i = 0; i < n; i++) {
                double sc = BETA * (PI[b][i] - REF[b][i]);
                if (PSI[b][i] == hi) { top[0] += sc; top[1] += PI[b][i]; top[2]++; }
                if (PSI[b][i] == lo) { bottom[0] += sc; bottom[1] += PI[b][i]; bottom[2]++; }
                for (int j = 0; j < n; j++) {
                    if (PSI[b][i] <= PSI[b][j]) continue;
                    pairs++;
                    if (sc > BETA * (PI[b][j] - REF[b][j])) agree++;
                }
            }
            chosen += top[0] / top[2] / 3;
            rejected += bottom[0] / bottom[2] / 3;
            logpChosen += top[1] / top[2] / 3;
            logpRejected += bottom[1] / bottom[2] / 3;
        }
        try (PointerScope scope = new PointerScope()) {
            ListBatch b = batch(table(PI));
            var m = Metrics.of(new Mpo(BETA, 0.6).apply(b), b);
            assertEquals(chosen, m.get("rewards/chosen"), 1e-12);
            assertEquals(rejected, m.get("rewards/rejected"), 1e-12);
            assertEquals(chosen - rejected, m.get("rewards/margins"), 1e-12);
            assertEquals(agree / pairs, m.get("rewards/accuracies"), 1e-15);
            assertEquals(logpChosen, m.get("logps/chosen"), 1e-12);
            assertEquals(logpRejected, m.get("logps/rejected"), 1e-12);
            assertEquals(3.0, m.get("list_size"), 1e-15);
            assertEquals(0.0, m.get("frac_reward_zero_std"));
            ListBatch tied = new ListBatch(doubles(new double[] {-1, -2, -3, 0}, 2, 2), Optional.of(doubles(new double[] {0, 0, 0, 0}, 2, 2)),
                    doubles(new double[] {1, 1, 1, 1}, 2, 2), doubles(new double[] {1, 1, 0, 5}, 2, 2), doubles(new double[] {1, 1, 1, 1}, 2, 2));
            assertEquals(0.5, Metrics.of(new Mpo(BETA, 0.6).apply(tied), tied).get("frac_reward_zero_std"));
        }
    }

    @Test void noGradientReachesTheReference() {
        try (PointerScope scope = new PointerScope()) {
            Tensor ref = table(REF).requires_grad_(true);
            ListBatch b = new ListBatch(table(PI).requires_grad_(true), Optional.of(ref), table(LENGTHS), table(PSI), mask(LEN));
            new LipoLambda(BETA).apply(b).mean().add(new Mpo(BETA, 0.6).apply(b).mean()).backward();
            assertFalse(ref.grad().defined() && ref.grad().abs().sum().item_double() != 0, "gradient reached the reference");
        }
    }

    @Test void lipoLambdaAndMpoNeedAReference() {
        try (PointerScope scope = new PointerScope()) {
            ListBatch b = new ListBatch(table(PI), Optional.empty(), table(LENGTHS), table(PSI), mask(LEN));
            var e = assertThrows(IllegalArgumentException.class, () -> new LipoLambda(BETA).apply(b));
            assertTrue(e.getMessage().contains("needs reference"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new Mpo(BETA, 1).apply(b));
            assertTrue(e.getMessage().contains("needs reference"), e.getMessage());
        }
    }

    /**
     * Bandit: 4 one-token arms, uniform reference, the policy softmax(θ) from θ = 0; one list of all arms scored
     * ψ = (0.5, 2, 1, 0). Gradient descent on each loss ends with the policy ordering the arms as ψ does (MPO through its
     * deviation weights: within Y⁺ = {2, 1} and Y⁻ = {0.5, 0} only they tell the arms apart).
     */
    @Test void onABanditTheListwiseOptimumOrdersArmsAsTheScores() {
        double[] psi = {0.5, 2, 1, 0};
        for (Function<ListBatch, ListBatch.Result> loss : java.util.List.<Function<ListBatch, ListBatch.Result>>of(
                b -> new Pro(0).apply(b), b -> new LipoLambda(1).apply(b), b -> new Mpo(1, 1).apply(b))) {
            try (PointerScope scope = new PointerScope()) {
                Tensor theta = torch.zeros(1, 4).to(torch.ScalarType.Double).requires_grad_(true);
                Tensor ref = torch.full(new long[] {1, 4}, s(Math.log(0.25)), options(torch.ScalarType.Double));
                for (int step = 0; step < 300; step++) {
                    try (PointerScope inner = new PointerScope()) {
                        Tensor logp = torch.log_softmax(theta, 1);
                        ListBatch b = new ListBatch(logp, Optional.of(ref), torch.ones(1, 4).to(torch.ScalarType.Double),
                                doubles(psi, 1, 4), torch.ones(1, 4).to(torch.ScalarType.Double));
                        loss.apply(b).mean().backward();
                        try (org.bytedeco.pytorch.NoGradGuard off = new org.bytedeco.pytorch.NoGradGuard()) {
                            theta.sub_(theta.grad().mul(s(0.5)));
                            theta.grad().zero_();
                        }
                    }
                }
                double[] p = toDoubles(theta.detach());
                assertTrue(p[1] > p[2] && p[2] > p[0] && p[0] > p[3], java.util.Arrays.toString(p));
            }
        }
    }
}
