package org.jpo.bandit;

import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

import static org.jpo.tensor.Tensors.s;

/** How a {@link SoftmaxPolicy} follows the gradient; a fresh optimizer state for every training call. */
public sealed interface Optimizer {
    double lr();

    /** Starts optimizing {@code theta} (a leaf with gradient); state lives in the caller's scope. */
    Step over(Tensor theta);

    /** One update from the gradient in {@code theta.grad()}, which it then clears. */
    interface Step { void run(); }

    /** Plain gradient descent θ ← θ − lr·∇L: deterministic and easy to reason about. */
    record GradientDescent(double lr) implements Optimizer {
        public GradientDescent { check(lr); }

        @Override public Step over(Tensor theta) {
            return () -> {
                try (NoGradGuard noGrad = new NoGradGuard()) {
                    theta.sub_(theta.grad(), s(lr));
                    theta.grad().zero_();
                }
            };
        }
    }

    /**
     * torch's Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8): every logit moves at about {@code lr} per step however
     * rarely its action appears in the data, so training is limited by the labels, not by the step size.
     */
    record Adam(double lr) implements Optimizer {
        public Adam { check(lr); }

        @Override public Step over(Tensor theta) {
            org.bytedeco.pytorch.Adam adam = new org.bytedeco.pytorch.Adam(new TensorVector(theta), new AdamOptions(lr));
            return () -> {
                adam.step();
                adam.zero_grad();
            };
        }
    }

    private static void check(double lr) {
        if (!(lr > 0)) throw new IllegalArgumentException("learning rate must be > 0, got " + lr);
    }
}
