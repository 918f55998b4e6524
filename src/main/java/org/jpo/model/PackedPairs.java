package org.jpo.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.List;

import static org.jpo.tensor.Tensors.*;

/**
 * B preference pairs packed one per row as [prompt, chosen, rejected, padding], so the prompt is computed once
 * for both completions (prefix sharing, Wang et al., arXiv:2410.20305). A block causal mask lets chosen tokens
 * see the prompt and earlier chosen tokens, rejected tokens the prompt and earlier rejected tokens, never the
 * chosen; rejected positions restart at |prompt|, so rotary and learned position embeddings see exactly the
 * positions of the plain concatenated forward and every log-prob equals it. The rejected's first token is
 * predicted from the prompt's last position.
 *
 * <p>Log-probs come out as the plain forward's [2B,L] rows (chosen of each pair, then rejected), L the longest
 * completion, so the losses read them unchanged.
 *
 * @param ids       [B,T] token ids
 * @param positions [B,T] position ids (padding at 0)
 * @param mask      [B,1,T,T] bool, true where a query may attend to a key
 * @param targets   the completion tokens and their slots in the [2B,L] output
 * @param promptLens, chosenLens, rejectedLens per pair
 */
public record PackedPairs(Tensor ids, Tensor positions, Tensor mask, Targets targets, int[] promptLens, int[] chosenLens,
                          int[] rejectedLens) implements TokenBatch {
    private static final long PROMPT = 0, CHOSEN = 1, REJECTED = 2, PAD = 3;

    /** Packs the pairs; every prompt needs at least one token (the context of both completions' first token). */
    public static PackedPairs of(List<int[]> prompts, List<int[]> chosen, List<int[]> rejected, int padId) {
        int b = prompts.size();
        if (b == 0 || chosen.size() != b || rejected.size() != b) {
            throw new IllegalArgumentException(b + " prompts, " + chosen.size() + " chosen, " + rejected.size() + " rejected");
        }
        int t = 0, l = 0;
        int[] pl = new int[b], cl = new int[b], rl = new int[b];
        for (int i = 0; i < b; i++) {
            pl[i] = prompts.get(i).length;
            cl[i] = chosen.get(i).length;
            rl[i] = rejected.get(i).length;
            if (pl[i] == 0) throw new IllegalArgumentException("pair " + i + ": empty prompt; the first completion token needs a context (use BOS)");
            t = Math.max(t, pl[i] + cl[i] + rl[i]);
            l = Math.max(l, Math.max(cl[i], rl[i]));
        }
        long[] ids = new long[b * t], pos = new long[b * t], seg = new long[b * t];
        Arrays.fill(ids, padId);
        Arrays.fill(seg, PAD);
        int n = Arrays.stream(cl).sum() + Arrays.stream(rl).sum();
        long[] source = new long[n], target = new long[n], dest = new long[n];
        int k = 0;
        for (int i = 0; i < b; i++) {
            int row = i * t;
            k = put(prompts.get(i), ids, pos, seg, row, 0, 0, PROMPT, null, null, null, 0, 0, k);
            k = put(chosen.get(i), ids, pos, seg, row, pl[i], pl[i], CHOSEN, source, target, dest, (long) i * l, row + pl[i] - 1, k);
            k = put(rejected.get(i), ids, pos, seg, row, pl[i] + cl[i], pl[i], REJECTED, source, target, dest, (long) (b + i) * l,
                    row + pl[i] - 1, k);
        }
        Tensor segments = longs(seg, b, t);                                                        // [B,T]
        return new PackedPairs(longs(ids, b, t), longs(pos, b, t), blockCausal(segments),
                Targets.of(source, target, dest, 2L * b, l), pl, cl, rl);
    }

    /**
     * Writes {@code tokens} at row offset {@code at} with positions from {@code firstPos}; for a completion, also
     * its targets: token j is predicted by the position before it, the first by {@code firstSource}.
     */
    private static int put(int[] tokens, long[] ids, long[] pos, long[] seg, int row, int at, int firstPos, long segment,
                           long[] source, long[] target, long[] dest, long destRow, long firstSource, int k) {
        for (int j = 0; j < tokens.length; j++) {
            ids[row + at + j] = tokens[j];
            pos[row + at + j] = firstPos + j;
            seg[row + at + j] = segment;
            if (source == null) continue;
            source[k] = j == 0 ? firstSource : row + at + j - 1;
            target[k] = tokens[j];
            dest[k++] = destRow + j;
        }
        return k;
    }

    /** Query q attends key k ≤ q when k is in the prompt or in q's own segment: [B,T] segments → [B,1,T,T]. */
    private static Tensor blockCausal(Tensor seg) {
        long t = seg.size(1);
        Tensor idx = torch.arange(s(t), options(torch.ScalarType.Long));                        // [T]
        Tensor causal = idx.unsqueeze(1).ge(idx.unsqueeze(0));                                    // [T,T] q ≥ k
        Tensor segQ = seg.unsqueeze(2), segK = seg.unsqueeze(1);                                  // [B,T,1], [B,1,T]
        Tensor visible = segK.eq(s(PROMPT)).logical_or(segK.eq(segQ));                            // [B,T,T]
        return visible.logical_and(causal.unsqueeze(0)).unsqueeze(1);                            // [B,1,T,T]
    }

    /** One forward over the packed rows under the block causal mask. */
    @Override public Tensor hidden(Transformer model) { return model.hidden(ids, positions, mask); }

    public long size() { return ids.size(0); }

    /** The pairs' completion lengths as the plain forward's [2B] rows: chosen, then rejected. */
    public int[] completionLens() {
        int[] out = Arrays.copyOf(chosenLens, 2 * chosenLens.length);
        System.arraycopy(rejectedLens, 0, out, chosenLens.length, rejectedLens.length);
        return out;
    }
}
