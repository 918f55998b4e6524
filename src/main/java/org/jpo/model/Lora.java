package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.GradMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.jpo.Seeds;
import org.bytedeco.pytorch.global.torch;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.jpo.tensor.Tensors.*;

/**
 * LoRA adapters (Hu et al., arXiv:2106.09685) on a frozen {@link Transformer}: each targeted linear gets A [r, in]
 * and B [out, r], and its output becomes y = W·x + (α / r)·B·A·dropout(x). As in PEFT, A starts kaiming-uniform
 * (a = √5, i.e. U(−1/√in, 1/√in)) and B at zero, so a fresh adapter changes nothing. GPT-2's Conv1D stores W as
 * [in, out] (PEFT's {@code fan_in_fan_out: true}); A and B keep the same layout there, only merging transposes.
 *
 * <p>Dropout acts only while autograd records (training forwards; evaluation, reference log-probs and sampling run
 * under NoGradGuard). Its masks are drawn from (seed, number of masks drawn so far), and that count is saved with
 * the adapter, so a resumed run draws the masks an uninterrupted one would.
 *
 * <p>Owns its A and B tensors: {@link #close()} frees them.
 */
public final class Lora implements AutoCloseable {
    private final LoraConfig config;
    private final boolean fanInFanOut;
    private final String baseModel;
    /** A and B per HF module path, e.g. model.layers.0.self_attn.q_proj → {A [r,in], B [out,r]}. */
    private final LinkedHashMap<String, Tensor[]> adapters;
    private final long dropoutSeed;
    private long dropoutDraws;

    Lora(LoraConfig config, boolean fanInFanOut, String baseModel, LinkedHashMap<String, Tensor[]> adapters, long dropoutSeed,
         long dropoutDraws) {
        this.config = config;
        this.fanInFanOut = fanInFanOut;
        this.baseModel = baseModel;
        this.adapters = adapters;
        this.dropoutSeed = dropoutSeed;
        this.dropoutDraws = dropoutDraws;
    }

    /**
     * Fresh adapters for {@code model} (A kaiming-uniform from {@code seed}, B = 0); {@code baseModel} is where the
     * base weights live, written to adapter_config.json's base_model_name_or_path.
     */
    public static Lora create(ModelConfig model, LoraConfig config, long seed, String baseModel) {
        if (!config.enabled()) throw new IllegalArgumentException("lora_r is 0: no adapters to create");
        Map<String, long[]> shapes = WeightNames.expected(model);
        boolean conv = model.family() == ModelConfig.Family.GPT2;
        LinkedHashMap<String, Tensor[]> adapters = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope()) {
            int index = 0;
            for (String module : config.modulePaths(model)) {
                long[] w = shapes.get(module + ".weight");
                long in = conv ? w[0] : w[1], out = conv ? w[1] : w[0];
                adapters.put(module, new Tensor[] {keep(kaimingUniform(config.loraR(), in, Seeds.of(seed, 0xA1L, index++))),
                        keep(torch.zeros(out, config.loraR()))});                                            // A [r,in], B [out,r]
            }
        }
        return new Lora(config, conv, baseModel, adapters, Seeds.of(seed, 0xD7L), 0);
    }

    /** PEFT's init of A: kaiming_uniform_(a = √5) bounds U(−1/√in, 1/√in). */
    private static Tensor kaimingUniform(long r, long in, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double bound = 1 / Math.sqrt(in);
        float[] v = new float[Math.toIntExact(r * in)];
        for (int i = 0; i < v.length; i++) v[i] = (float) ((2 * rng.nextDouble() - 1) * bound);
        return floats(v, r, in);
    }

    public LoraConfig config() { return config; }

    public boolean fanInFanOut() { return fanInFanOut; }

    public String baseModel() { return baseModel; }

    long dropoutSeed() { return dropoutSeed; }

    long dropoutDraws() { return dropoutDraws; }

    /** The adapted module paths, in order. */
    public List<String> modules() { return List.copyOf(adapters.keySet()); }

    /** {@code y} (the base output of module {@code module} on input x [.., in]) plus this module's adapter, if it has one. */
    Tensor apply(String module, Tensor x, Tensor y) {
        Tensor[] ab = adapters.get(module);
        if (ab == null) return y;
        Tensor h = torch.linear(torch.linear(dropout(x), ab[0]), ab[1]);                              // [.., out]
        return y.add(h.mul(s(config.scaling())));
    }

    /** Inverted dropout on the adapter input while autograd records, with masks from (seed, masks drawn). */
    private Tensor dropout(Tensor x) {
        double p = config.loraDropout();
        if (p == 0 || !GradMode.is_enabled()) return x;
        SplittableRandom rng = new SplittableRandom(Seeds.of(dropoutSeed, dropoutDraws++));
        float keep = (float) (1 / (1 - p));
        float[] mask = new float[Math.toIntExact(x.numel())];
        for (int i = 0; i < mask.length; i++) mask[i] = rng.nextDouble() < p ? 0f : keep;
        return x.mul(floats(mask, sizes(x)));                                                          // [.., in]
    }

    /** A and B under PEFT's key names: base_model.model.MODULE.lora_A.weight / .lora_B.weight. */
    public Map<String, Tensor> parameters() {
        LinkedHashMap<String, Tensor> m = new LinkedHashMap<>();
        adapters.forEach((module, ab) -> {
            m.put(key(module, "A"), ab[0]);
            m.put(key(module, "B"), ab[1]);
        });
        return Collections.unmodifiableMap(m);
    }

    static String key(String module, String ab) { return "base_model.model." + module + ".lora_" + ab + ".weight"; }

    public long numParameters() { return adapters.values().stream().mapToLong(ab -> ab[0].numel() + ab[1].numel()).sum(); }

    /** Casts A and B to {@code dtype} in place ({@link Transformer#cast}). */
    void cast(torch.ScalarType dtype) {
        adapters.values().forEach(ab -> {
            for (int i = 0; i < 2; i++) {
                Tensor c = keep(ab[i].to(dtype));
                ab[i].close();
                ab[i] = c;
            }
        });
    }

    void trainable(boolean on) { adapters.values().forEach(ab -> { ab[0].requires_grad_(on); ab[1].requires_grad_(on); }); }

    /**
     * W ← W + (α / r)·B·A on every adapted module of {@code weights} (transposed for Conv1D's [in, out]), in place; the
     * sum is formed in float64, so each merged weight is the float32 nearest the exact one.
     */
    void mergeInto(Map<String, Tensor> weights) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            adapters.forEach((module, ab) -> {
                Tensor w = weights.get(module + ".weight");
                Tensor delta = ab[1].to(torch.ScalarType.Double).matmul(ab[0].to(torch.ScalarType.Double)).mul(s(config.scaling()));   // [out,in]
                w.copy_(w.to(torch.ScalarType.Double).add(fanInFanOut ? delta.t() : delta));
            });
        }
    }

    @Override public void close() {
        adapters.values().forEach(ab -> { ab[0].close(); ab[1].close(); });
        adapters.clear();
    }
}
