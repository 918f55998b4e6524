package org.jpo.train;

/**
 * Learning rate per optimizer step, as HF transformers' schedulers compute it: a linear warmup from 0 over
 * {@code warmup} steps, then linear decay to 0, a half cosine to 0, or a constant.
 */
public record Schedule(Kind kind, double peak, long warmup, long total) {
    /** {@code lr_scheduler_type} (HF's names): the learning rate after warmup. */
    public enum Kind { LINEAR, COSINE, CONSTANT, CONSTANT_WITH_WARMUP }

    public Schedule {
        if (warmup < 0 || total < 1) throw new IllegalArgumentException("schedule needs warmup >= 0 and total >= 1");
    }

    /** Learning rate of the update made at (0-based) step {@code step}. */
    public double at(long step) {
        if (kind == Kind.CONSTANT) return peak;
        if (step < warmup) return peak * step / Math.max(1, warmup);
        return switch (kind) {
            case CONSTANT_WITH_WARMUP, CONSTANT -> peak;
            case LINEAR -> peak * Math.max(0, (double) (total - step) / Math.max(1, total - warmup));
            case COSINE -> peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * (double) (step - warmup) / Math.max(1, total - warmup))));
        };
    }
}
