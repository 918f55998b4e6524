package org.jpo.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.Arrays;
import java.util.List;

import static org.jpo.tensor.Tensors.*;

/**
 * B prompts, each packed into one row with its completions as [prompt, y_1, …, y_{K_i}, padding], so the prompt is
 * computed once for all of them (prefix sharing, Wang et al., arXiv:2410.20305): a preference pair is K = 2
 * (chosen, rejected), a ranked list any K ≥ 1. A block causal mask lets each completion's tokens see the prompt and its
 * own earlier tokens, never another completion's; every completion's positions restart at |prompt|, so rotary and
 * learned position embeddings see exactly the positions of the plain concatenated forward and every log-prob equals
 * it. Each completion's first token is predicted from the prompt's last position.
 *
 * <p>Log-probs come out in [K·B, L] rows, L the longest completion, K the most completions of a prompt: completion k of
 * prompt i in row k·B + i (empty when prompt i has fewer than k + 1). For pairs these are the plain forward's [2B,L]
 * rows, chosen of each pair then rejected, so the losses read them unchanged.
 *
 * @param ids            [B,T] token ids
 * @param positions      [B,T] position ids (padding at 0)
 * @param mask           [B,1,T,T] bool, true where a query may attend to a key
 * @param targets        the completion tokens and their slots in the [K·B,L] output
 * @param promptLens     per prompt
 * @param completionLens per prompt, its completions' lengths in order
 */
public record PackedLists(Tensor ids, Tensor positions, Tensor mask, Targets targets, int[] promptLens, int[][] completionLens)
        implements TokenBatch {
    private static final long PROMPT = 0, PAD = -1;   // completion k is segment k + 1

    /** B preference pairs, each one row [prompt, chosen, rejected]: rows i (chosen) and B + i (rejected) of the output. */
    public static PackedLists pairs(List<int[]> prompts, List<int[]> chosen, List<int[]> rejected, int padId) {
        if (chosen.size() != prompts.size() || rejected.size() != prompts.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts, " + chosen.size() + " chosen, " + rejected.size() + " rejected");
        }
        return of(prompts, java.util.stream.IntStream.range(0, prompts.size()).mapToObj(i -> List.of(chosen.get(i), rejected.get(i))).toList(),
                padId);
    }

    /** Packs each prompt with its completions; every prompt needs at least one token (the context of their first tokens). */
    public static PackedLists of(List<int[]> prompts, List<List<int[]>> completions, int padId) {
        int b = prompts.size();
        if (b == 0 || completions.size() != b) throw new IllegalArgumentException(b + " prompts, " + completions.size() + " lists of completions");
        int t = 0, l = 0, k = 0, n = 0;
        int[] pl = new int[b];
        int[][] cl = new int[b][];
        for (int i = 0; i < b; i++) {
            pl[i] = prompts.get(i).length;
            if (pl[i] == 0) throw new IllegalArgumentException("prompt " + i + ": empty; the first completion token needs a context (use BOS)");
            cl[i] = completions.get(i).stream().mapToInt(c -> c.length).toArray();
            t = Math.max(t, pl[i] + Arrays.stream(cl[i]).sum());
            l = Math.max(l, Arrays.stream(cl[i]).max().orElse(0));
            k = Math.max(k, cl[i].length);
            n += Arrays.stream(cl[i]).sum();
        }
        long[] ids = new long[b * t], pos = new long[b * t], seg = new long[b * t];
        Arrays.fill(ids, padId);
        Arrays.fill(seg, PAD);
        long[] source = new long[n], target = new long[n], dest = new long[n];
        int at = 0;
        for (int i = 0; i < b; i++) {
            int row = i * t, offset = pl[i];
            at = put(prompts.get(i), ids, pos, seg, row, 0, 0, PROMPT, null, null, null, 0, 0, at);
            for (int j = 0; j < cl[i].length; j++) {
                at = put(completions.get(i).get(j), ids, pos, seg, row, offset, pl[i], j + 1, source, target, dest, (long) (j * b + i) * l,
                        row + pl[i] - 1, at);
                offset += cl[i][j];
            }
        }
        Tensor segments = longs(seg, b, t);                                                        // [B,T]
        return new PackedLists(longs(ids, b, t), longs(pos, b, t), blockCausal(segments), Targets.of(source, target, dest, (long) k * b, l),
                pl, cl);
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
}
