package org.jpo.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.jpo.UserError;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.jpo.tensor.Tensors.*;

/**
 * A decoder-only transformer on libtorch ops: the Llama family (RMSNorm, rotary embeddings, SwiGLU,
 * grouped-query attention, optional q/k/v biases, Qwen3's per-head q/k norms) and the GPT-2 family (LayerNorm, learned positions,
 * tanh-GELU, HF Conv1D weights stored [in, out]).
 *
 * <p>Parameters are kept under their HuggingFace names and layouts, so loading and saving is a copy.
 * This object owns them: {@link #close()} frees them.
 */
public final class Transformer implements AutoCloseable {
    private final ModelConfig config;
    private final LinkedHashMap<String, Tensor> params;
    private final Tensor invFreq;   // [r/2] rotary inverse frequencies (Llama), empty for GPT-2
    private final Tensor localInvFreq;   // [r/2] Gemma 3's sliding layers' own, else empty
    private final boolean owner;    // false for a borrowed() handle, whose close() frees nothing
    private final LoraSlot lora;    // adapters on the linears, if any; shared with borrowed() handles
    private final VectorCopy vectorCopy;   // the weights as float[] for VectorLlama; shared with borrowed() handles

    /** Takes ownership of {@code weights} (HF names) after checking every expected tensor and shape. */
    public Transformer(ModelConfig config, Map<String, Tensor> weights, String source) {
        this.config = config;
        this.owner = true;
        this.lora = new LoraSlot();
        this.vectorCopy = new VectorCopy();
        this.params = new LinkedHashMap<>();
        Map<String, long[]> expected = WeightNames.expected(config);
        for (var e : expected.entrySet()) {
            Tensor t = weights.get(e.getKey());
            if (t == null) throw new UserError(source + ": missing tensor '" + e.getKey() + "'");
            if (!Arrays.equals(sizes(t), e.getValue())) {
                throw new UserError(source + ": tensor '" + e.getKey() + "' has shape " + shape(t) + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
        for (String name : weights.keySet()) {
            if (!expected.containsKey(name)) {
                throw new UserError(source + ": unexpected tensor '" + name + "' for a " + config.modelType() + " model");
            }
        }
        try (PointerScope scope = new PointerScope()) {
            for (String name : expected.keySet()) {
                Tensor t = weights.get(name);
                params.put(name, keep(t.scalar_type().intern() == torch.ScalarType.Float ? t.contiguous() : t.to(torch.ScalarType.Float)));
            }
            invFreq = keep(config.family() == ModelConfig.Family.LLAMA ? Rope.inverseFrequencies(config) : torch.zeros(0));
            localInvFreq = keep(config.variant().localRopeTheta() > 0 ? Rope.localInverseFrequencies(config) : torch.zeros(0));
        }
    }

    /** A randomly initialised model (N(0, 0.02) matrices, unit norms, zero biases), seeded. */
    public static Transformer random(ModelConfig config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Tensor> w = new LinkedHashMap<>();
        try (PointerScope scope = new PointerScope()) {
            for (var e : WeightNames.expected(config).entrySet()) {
                long[] shape = e.getValue();
                int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                float[] v = new float[n];
                String name = e.getKey();
                boolean norm = name.contains("norm") || name.contains("ln_");
                float unit = config.variant().gemmaNorms() ? 0f : 1f;   // Gemma's norms scale by 1 + w
                for (int i = 0; i < n; i++) {
                    v[i] = name.endsWith(".bias") ? (norm ? 0f : (float) (0.02 * rng.nextGaussian()))
                            : norm ? unit : (float) (0.02 * rng.nextGaussian());
                }
                w.put(name, floats(v, shape));
            }
            return new Transformer(config, w, "random init");
        }
    }

    private Transformer(Transformer lender) {
        this.config = lender.config;
        this.params = lender.params;
        this.invFreq = lender.invFreq;
        this.localInvFreq = lender.localInvFreq;
        this.owner = false;
        this.lora = lender.lora;
        this.vectorCopy = lender.vectorCopy;
    }

    /**
     * The same live weights under a handle whose {@link #close()} frees nothing: the iterative loop lends its
     * policy to the trainer (which closes what it trains) and samples from the trained weights afterwards.
     */
    public Transformer borrowed() { return new Transformer(this); }

    public ModelConfig config() { return config; }

    /** Parameters by HF name, in a stable order. The map is read-only; the tensors are the live weights. */
    public Map<String, Tensor> parameters() { return java.util.Collections.unmodifiableMap(params); }

    public TensorVector parameterVector() { return new TensorVector(params.values().toArray(new Tensor[0])); }

    public long numParameters() { return params.values().stream().mapToLong(Tensor::numel).sum(); }

    /** Turns gradient tracking on or off: of the adapters when the model carries LoRA adapters (the base stays frozen), else of every parameter. */
    public void trainable(boolean on) {
        params.values().forEach(p -> p.requires_grad_(on && lora.get().isEmpty()));
        lora.get().ifPresent(l -> l.trainable(on));
    }

    /** What training updates: the LoRA adapters (PEFT key names) when the model carries them, else {@link #parameters}. */
    public Map<String, Tensor> trainableParameters() { return lora.get().map(Lora::parameters).orElse(parameters()); }

    /** The LoRA adapters this model carries, if any. */
    public java.util.Optional<Lora> lora() { return lora.get(); }

    /** Adds LoRA adapters to the linears; the model owns them from now on. */
    public void attachLora(Lora adapters) { lora.attach(adapters); }

    /** Folds the adapters into the weights (W ← W + (α / r)·B·A) and frees them: the model is a plain one again. */
    public void mergeLora() {
        try (Lora l = lora.detach()) { l.mergeInto(params); }
    }

    /** Switches the adapters off until the returned handle closes: forwards are the base model's (PEFT's disable_adapter). */
    public LoraSlot.Off adaptersOff() { return lora.switchOff(); }

    /**
     * These weights for the Vector API decoder, copied again when they changed since the last call; empty when this
     * model decodes on libtorch ({@link #vectorDecoderMissing} says why).
     */
    public java.util.Optional<VectorLlama> vector() {
        return vectorCopy.get(config, params, invFreq, localInvFreq, lora.active().isPresent());
    }

    /** Why {@link #vector} is empty for this model, or empty when it is not. */
    public java.util.Optional<String> vectorDecoderMissing() { return VectorCopy.why(config, params, lora.active().isPresent()); }

    public KvCache newCache(long batch, int capacity) { return new KvCache(config, batch, capacity); }

    /** Full causal forward, positions 0..T-1, no cache: ids [B,T] → hidden states [B,T,D]. Right padding is safe. */
    public Tensor hidden(Tensor ids) {
        checkShape(ids, "ids", -1, -1);
        long t = ids.size(1);
        checkContext(t);
        Tensor positions = torch.arange(s(t), options(torch.ScalarType.Long)).unsqueeze(0).expand(ids.size(0), t);   // [B,T]
        return forward(ids, positions, null, null);
    }

    /**
     * Full forward without a cache at explicit positions [B,T] under {@code mask} [B,1,T,T] (bool, true = attend):
     * packed sequences, e.g. a prompt shared by two completions (arXiv:2410.20305, {@link PackedLists}).
     * Returns [B,T,D].
     */
    public Tensor hidden(Tensor ids, Tensor positions, Tensor mask) {
        checkShape(ids, "ids", -1, -1);
        checkShape(positions, "positions", ids.size(0), ids.size(1));
        checkShape(mask, "mask", ids.size(0), 1, ids.size(1), ids.size(1));
        checkContext((long) item(positions.max()) + 1);
        return forward(ids, positions, mask, null);
    }

    /**
     * Incremental forward with a KV cache: ids [B,T] at positions [B,T], attending to the cached keys plus
     * these T under {@code mask} [B,1,T,S] (bool, true = attend; S = cached + T, or the span given to
     * {@link KvCache#writeAt}). Returns [B,T,D].
     */
    public Tensor hidden(Tensor ids, Tensor positions, Tensor mask, KvCache cache) {
        checkShape(positions, "positions", ids.size(0), ids.size(1));
        checkShape(mask, "mask", ids.size(0), 1, ids.size(1), cache.keyColumns(ids.size(1)));
        return forward(ids, positions, mask, cache);
    }

    /** Hidden states [B,T,D] → logits [B,T,V] (soft-capped as cap·tanh(z / cap) when the family does: Gemma 2). */
    public Tensor logits(Tensor hidden) {
        Tensor z = torch.linear(hidden, headWeight());
        double cap = config.variant().logitSoftcap();
        return cap > 0 ? z.div(s(cap)).tanh().mul(s(cap)) : z;
    }

    private Tensor headWeight() {
        if (!config.tiedEmbeddings()) return p("lm_head.weight");
        return p(config.family() == ModelConfig.Family.GPT2 ? "transformer.wte.weight" : "model.embed_tokens.weight");
    }

    private void checkContext(long t) {
        if (t > config.contextLimit()) {
            throw new UserError("sequence of " + t + " tokens exceeds the model's context window of "
                    + config.contextLimit());
        }
    }

    private Tensor forward(Tensor ids, Tensor positions, Tensor mask, KvCache cache) {
        Tensor x = switch (config.family()) {
            case LLAMA -> llama(ids, positions, mask, cache);
            case GPT2 -> gpt2(ids, positions, mask, cache);
        };
        if (cache != null) cache.advance(ids.size(1));
        return x;
    }

    // ---------------------------------------------------------------- Llama family

    private Tensor llama(Tensor ids, Tensor positions, Tensor mask, KvCache cache) {
        ModelConfig.Variant var = config.variant();
        Tensor x = torch.embedding(p("model.embed_tokens.weight"), ids);        // [B,T,D]
        if (var.gemmaNorms()) x = x.mul(s(Math.sqrt(config.dim())));            // Gemma scales embeddings by √D
        if (cache != null) cache.begin(positions);
        Tensor[] cosSin = Rope.cosSin(invFreq, positions, config.ropeScaling().attentionFactor());   // 2 × [B,1,T,r], once for all layers
        Tensor[] localCosSin = var.localRopeTheta() > 0 ? Rope.cosSin(localInvFreq, positions, 1) : cosSin;
        for (int l = 0; l < config.nLayers(); l++) {
            String pre = "model.layers." + l + ".";
            Tensor[] rotation = !var.rope().get(l) ? null : var.slides(l) ? localCosSin : cosSin;
            Tensor h = rmsNorm(x, p(pre + "input_layernorm.weight"));
            Tensor a = llamaAttention(h, pre + "self_attn.", l, rotation, positions, mask, cache);   // [B,T,D]
            if (var.gemmaNorms()) {   // Gemma's sandwich: each sublayer's output is normalized before its residual add
                x = x.add(rmsNorm(a, p(pre + "post_attention_layernorm.weight")));
                Tensor f = mlp(rmsNorm(x, p(pre + "pre_feedforward_layernorm.weight")), pre + "mlp.");
                x = x.add(rmsNorm(f, p(pre + "post_feedforward_layernorm.weight")));
            } else {
                x = x.add(a);
                x = x.add(mlp(rmsNorm(x, p(pre + "post_attention_layernorm.weight")), pre + "mlp."));
            }
        }
        return rmsNorm(x, p("model.norm.weight"));
    }

    /** SwiGLU, or GeGLU with the tanh GELU (Gemma); Phi-3 keeps gate and up in one matrix. [B,T,D] → [B,T,D] */
    private Tensor mlp(Tensor h, String pre) {
        Tensor gate, up;                                                                                  // [B,T,F] each
        if (config.variant().fused()) {
            Tensor both = linear(h, pre + "gate_up_proj", false);                                        // [B,T,2F]
            gate = both.narrow(2, 0, config.hiddenDim());
            up = both.narrow(2, config.hiddenDim(), config.hiddenDim());
        } else {
            gate = linear(h, pre + "gate_proj", false);
            up = linear(h, pre + "up_proj", false);
        }
        gate = config.activation().equals("silu") ? torch.silu(gate) : torch.gelu(gate, "tanh");
        return linear(gate.mul(up), pre + "down_proj", false);
    }

    private Tensor llamaAttention(Tensor h, String pre, int layer, Tensor[] cosSin, Tensor positions, Tensor mask, KvCache cache) {
        long b = h.size(0), t = h.size(1), hd = config.headDim();
        int qDim = config.qDim(), kvDim = config.kvDim();
        Tensor q, k, v;                                                                                   // [B,T,H·hd], [B,T,Hkv·hd] ×2
        if (config.variant().fused()) {   // Phi-3: rows of qkv_proj are q, then k, then v
            Tensor qkv = linear(h, pre + "qkv_proj", false);                                             // [B,T,H·hd + 2·Hkv·hd]
            q = qkv.narrow(2, 0, qDim);
            k = qkv.narrow(2, qDim, kvDim);
            v = qkv.narrow(2, qDim + kvDim, kvDim);
        } else {
            q = linear(h, pre + "q_proj", config.qkvBias());
            k = linear(h, pre + "k_proj", config.qkvBias());
            v = linear(h, pre + "v_proj", config.qkvBias());
        }
        q = q.reshape(b, t, config.nHeads(), hd);                                                         // [B,T,H,hd]
        k = k.reshape(b, t, config.nKvHeads(), hd);                                                       // [B,T,Hkv,hd]
        if (config.qkNorm()) {   // Qwen3, Gemma 3: each head's q and k RMS-normalized before the rotation
            q = rmsNorm(q, p(pre + "q_norm.weight"));
            k = rmsNorm(k, p(pre + "k_norm.weight"));
        }
        q = q.transpose(1, 2);                                                                            // [B,H,T,hd]
        k = k.transpose(1, 2);                                                                            // [B,Hkv,T,hd]
        v = v.reshape(b, t, config.nKvHeads(), hd).transpose(1, 2);                                       // [B,Hkv,T,hd]
        if (cosSin != null) {   // SmolLM3 leaves some layers without rotary embeddings
            q = Rope.apply(q, cosSin, config.variant().rotaryDim(), config.headDim());
            k = Rope.apply(k, cosSin, config.variant().rotaryDim(), config.headDim());
        }
        Tensor y = attend(q, k, v, layer, positions, mask, cache);                                        // [B,H,T,hd]
        y = y.transpose(1, 2).reshape(b, t, qDim);                                                        // [B,T,H·hd]
        return linear(y, pre + "o_proj", config.outBias());
    }

    /** RMSNorm over the last dimension: x / rms(x) · w, or · (1 + w) for Gemma. */
    private Tensor rmsNorm(Tensor x, Tensor weight) {
        Tensor rms = x.pow(s(2)).mean(new long[] {-1}, true, new org.bytedeco.pytorch.ScalarTypeOptional())
                .add(s(config.normEps())).rsqrt();                                                 // [B,T,1]
        return x.mul(rms).mul(config.variant().gemmaNorms() ? weight.add(s(1)) : weight);
    }

    private Tensor linear(Tensor x, String name, boolean bias) {
        Tensor y = bias ? torch.linear(x, p(name + ".weight"), opt(p(name + ".bias"))) : torch.linear(x, p(name + ".weight"));
        return lora.apply(name, x, y);
    }

    // ---------------------------------------------------------------- GPT-2 family

    private Tensor gpt2(Tensor ids, Tensor positions, Tensor mask, KvCache cache) {
        Tensor x = torch.embedding(p("transformer.wte.weight"), ids)
                .add(torch.embedding(p("transformer.wpe.weight"), positions));                    // [B,T,D]
        long b = ids.size(0), t = ids.size(1), hd = config.headDim();
        for (int l = 0; l < config.nLayers(); l++) {
            String pre = "transformer.h." + l + ".";
            Tensor h = layerNorm(x, pre + "ln_1");
            Tensor qkv = conv1d(h, pre + "attn.c_attn");                                          // [B,T,3D]
            Tensor q = qkv.narrow(2, 0, config.dim()).view(b, t, config.nHeads(), hd).transpose(1, 2);                 // [B,H,T,hd]
            Tensor k = qkv.narrow(2, config.dim(), config.dim()).view(b, t, config.nHeads(), hd).transpose(1, 2);      // [B,H,T,hd]
            Tensor v = qkv.narrow(2, 2L * config.dim(), config.dim()).view(b, t, config.nHeads(), hd).transpose(1, 2); // [B,H,T,hd]
            Tensor y = attend(q, k, v, l, positions, mask, cache).transpose(1, 2).reshape(b, t, config.dim());  // [B,T,D]
            x = x.add(conv1d(y, pre + "attn.c_proj"));
            Tensor f = gelu(conv1d(layerNorm(x, pre + "ln_2"), pre + "mlp.c_fc"));                  // [B,T,F]
            x = x.add(conv1d(f, pre + "mlp.c_proj"));
        }
        return layerNorm(x, "transformer.ln_f");
    }

    /** HF Conv1D: weight stored [in, out], y = x·W + b. */
    private Tensor conv1d(Tensor x, String name) {
        return lora.apply(name, x, torch.linear(x, p(name + ".weight").t(), opt(p(name + ".bias"))));
    }

    private Tensor layerNorm(Tensor x, String name) {
        return torch.layer_norm(x, new long[] {config.dim()}, opt(p(name + ".weight")), opt(p(name + ".bias")),
                config.normEps(), false);
    }

    private Tensor gelu(Tensor x) {
        return config.activation().equals("gelu") ? torch.gelu(x) : torch.gelu(x, "tanh");
    }

    // ---------------------------------------------------------------- attention (shared)

    /**
     * Attention of q [B,H,T,hd] over k, v [B,Hkv,T,hd] at {@code positions} [B,T]: causal, or under {@code mask}, through
     * the cache when there is one. A sliding layer also hides the keys {@code sliding_window} or more positions back;
     * Gemma 2's soft-capped scores need the attention written out.
     */
    private Tensor attend(Tensor q, Tensor k, Tensor v, int layer, Tensor positions, Tensor mask, KvCache cache) {
        ModelConfig.Variant var = config.variant();
        boolean gqa = config.nKvHeads() != config.nHeads();
        DoubleOptional scale = var.queryPreAttnScalar() > 0 ? new DoubleOptional(config.attentionScale()) : new DoubleOptional();
        Tensor[] kv = cache == null ? new Tensor[] {k, v} : cache.append(layer, k, v);            // 2 × [B,Hkv,S,hd]
        if (cache != null && cache.rings(layer)) mask = cache.ringMask(mask);                    // its window's keys only
        else if (var.slides(layer)) mask = keysSeen(mask, positions, var.slidingWindow());
        if (var.attnSoftcap() > 0) {
            if (mask == null) mask = keysSeen(null, positions, Integer.MAX_VALUE);
            return softcapped(q, kv[0], kv[1], mask, var.attnSoftcap());
        }
        if (mask == null) return torch.scaled_dot_product_attention(q, k, v, none(), 0.0, true, scale, gqa);
        long b = q.size(0), t = q.size(2), g = config.nHeads() / config.nKvHeads();
        if (cache != null && gqa && t == 1) {
            // one decode token: the g query heads of a KV head become g query rows under the same [B,1,1,S] mask,
            // so the kernel runs B·Hkv (row, head) blocks instead of B·H (−21% a layer, stories260K, 128 rows)
            Tensor y = torch.scaled_dot_product_attention(q.reshape(b, config.nKvHeads(), g, q.size(3)), kv[0], kv[1], opt(mask), 0.0,
                    false, scale, false);                                                              // [B,Hkv,G,hd]
            return y.reshape(b, config.nHeads(), 1, q.size(3));                                   // [B,H,1,hd]
        }
        return torch.scaled_dot_product_attention(q, kv[0], kv[1], opt(mask), 0.0, false, scale, gqa);
    }

    /**
     * A forward without a cache, tokens at {@code positions} [B,T]: {@code mask} [B,1,T,T] (causal by position when
     * null) and keys fewer than {@code window} positions behind the query, HF's sliding_window_overlay
     * (kv_idx > q_idx − window). {@link KvCache#ringMask} is the same with a cache.
     */
    private static Tensor keysSeen(Tensor mask, Tensor positions, int window) {
        Tensor back = positions.unsqueeze(2).sub(positions.unsqueeze(1)).unsqueeze(1);          // [B,1,T,T] query − key
        Tensor near = back.lt(s(window));
        return near.logical_and(mask == null ? back.ge(s(0)) : mask);
    }

    /** softmax(cap·tanh(q·kᵀ·scale / cap) under mask)·v, Gemma 2's eager attention. q [B,H,T,hd], k, v [B,Hkv,S,hd]. */
    private Tensor softcapped(Tensor q, Tensor k, Tensor v, Tensor mask, double cap) {
        long g = config.nHeads() / config.nKvHeads();
        if (g > 1) {   // each KV head serves g query heads
            long b = k.size(0), hkv = k.size(1), n = k.size(2), hd = k.size(3);
            k = k.unsqueeze(2).expand(b, hkv, g, n, hd).reshape(b, hkv * g, n, hd);                   // [B,H,S,hd]
            v = v.unsqueeze(2).expand(b, hkv, g, n, hd).reshape(b, hkv * g, n, hd);                   // [B,H,S,hd]
        }
        Tensor scores = q.matmul(k.transpose(2, 3)).mul(s(config.attentionScale()));               // [B,H,T,S]
        scores = scores.div(s(cap)).tanh().mul(s(cap)).masked_fill(mask.logical_not(), s(Double.NEGATIVE_INFINITY));
        return scores.softmax(-1).matmul(v);                                                        // [B,H,T,hd]
    }

    private Tensor p(String name) {
        Tensor t = params.get(name);
        if (t == null) throw new IllegalStateException("no parameter " + name);
        return t;
    }

    /** Frees the weights (a {@link #borrowed} handle frees nothing). */
    @Override public void close() {
        if (!owner) return;
        lora.get().ifPresent(l -> lora.detach().close());
        params.values().forEach(Tensor::close);
        params.clear();
        invFreq.close();
        localInvFreq.close();
    }

    /**
     * SHA-256 over every parameter's name, shape and float32 bytes, and the active LoRA adapters': identifies the
     * weights a forward uses, whatever file they came from.
     */
    public String checksum() {
        try (PointerScope scope = new PointerScope()) {
            var sha = java.security.MessageDigest.getInstance("SHA-256");
            Map<String, Tensor> all = new LinkedHashMap<>(params);
            lora.active().ifPresent(l -> all.putAll(l.parameters()));
            for (var e : all.entrySet()) {
                sha.update((e.getKey() + java.util.Arrays.toString(sizes(e.getValue()))).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                Tensor c = e.getValue().detach().contiguous();
                byte[] bytes = new byte[Math.toIntExact(c.numel() * 4)];
                new org.bytedeco.javacpp.BytePointer(c.data_ptr()).capacity(bytes.length).get(bytes);
                sha.update(bytes);
            }
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Casts every weight and adapter to {@code dtype} in place (e.g. float64): a float64 forward measures what float32
     * rounding through the layers hides, such as how exactly a merged checkpoint reproduces base + adapter.
     */
    public void cast(torch.ScalarType dtype) {
        try (PointerScope scope = new PointerScope(); org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            params.replaceAll((name, t) -> {
                Tensor c = keep(t.to(dtype));
                t.close();
                return c;
            });
            lora.get().ifPresent(l -> l.cast(dtype));
        }
    }

    /** Names of all parameters in order (for optimizers and checkpoints). */
    public List<String> parameterNames() { return new ArrayList<>(params.keySet()); }
}
