package org.jpo.train;

import org.bytedeco.pytorch.global.torch;

/**
 * libtorch's CPU autocast to bfloat16 for one forward pass: inside the scope, ops on autocast's lower-precision
 * list (linear, matmul, bmm, scaled_dot_product_attention, …) cast their fp32 inputs to bf16, so the weights
 * stay fp32 masters and their gradients come back fp32 through the casts' backward (mixed precision,
 * Micikevicius et al., arXiv:1710.03740; bf16 needs no loss scaling, Kalamkar et al., arXiv:1905.12322).
 *
 * <p>Autocast state is thread-local: open and close on the training thread. Closing restores the previous
 * state and, when the outermost scope ends, frees autocast's cache of bf16 weight copies (as
 * {@code torch.autocast.__exit__} does), so that the next step casts the updated weights.
 */
final class Autocast implements AutoCloseable {
    private final boolean on, wasEnabled;
    private final torch.ScalarType wasDtype;

    private Autocast(boolean on) {
        this.on = on;
        this.wasEnabled = on && torch.is_autocast_enabled(torch.DeviceType.CPU);
        this.wasDtype = on ? torch.get_autocast_dtype(torch.DeviceType.CPU) : null;
        if (!on) return;
        torch.set_autocast_dtype(torch.DeviceType.CPU, torch.ScalarType.BFloat16);
        torch.set_autocast_enabled(torch.DeviceType.CPU, true);
        torch.increment_nesting();
    }

    /** Autocast to bf16 until {@link #close()} if {@code on}; otherwise a scope that changes nothing. */
    static Autocast bf16(boolean on) { return new Autocast(on); }

    @Override public void close() {
        if (!on) return;
        if (torch.decrement_nesting() == 0) torch.clear_cache();
        torch.set_autocast_enabled(torch.DeviceType.CPU, wasEnabled);
        torch.set_autocast_dtype(torch.DeviceType.CPU, wasDtype);
    }
}
