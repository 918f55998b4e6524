package org.jpo.model;

import org.bytedeco.pytorch.Tensor;

import java.util.Optional;

/**
 * Where a {@link Transformer}'s linears look for adapters: empty, or one {@link Lora} that can be switched off for a
 * while (PEFT's {@code disable_adapter()}), which is how the reference of a LoRA run is the base model without a
 * second copy of its weights. A {@link Transformer#borrowed} handle shares its lender's slot.
 */
public final class LoraSlot {
    private Optional<Lora> lora = Optional.empty();
    private boolean off;

    /** While open, the adapters are switched off (forwards are the base model's). */
    public interface Off extends AutoCloseable {
        @Override void close();
    }

    Optional<Lora> get() { return lora; }

    /** The adapters that take part in forwards now: none while switched off. */
    Optional<Lora> active() { return off ? Optional.empty() : lora; }

    void attach(Lora l) {
        if (lora.isPresent()) throw new IllegalStateException("the model already carries LoRA adapters");
        lora = Optional.of(l);
    }

    Lora detach() {
        Lora l = lora.orElseThrow(() -> new IllegalStateException("the model carries no LoRA adapters"));
        lora = Optional.empty();
        return l;
    }

    Off switchOff() {
        boolean was = off;
        off = true;
        return () -> off = was;
    }

    /** The module's base output {@code y} on {@code x}, plus its adapter when one is active. */
    Tensor apply(String module, Tensor x, Tensor y) {
        return off || lora.isEmpty() ? y : lora.get().apply(module, x, y);
    }
}
