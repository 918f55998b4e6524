package org.jpo.pairs;

import org.jpo.sampling.SampleRow;
import org.jpo.sampling.TreeRow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A round's search trees → step-level pairs (strategy {@code tree}; MCTS-DPO arXiv:2405.00451): at every expanded
 * node, among its children with a value (N ≥ 1), the highest Q is chosen and the lowest rejected (ties to the lowest
 * child index). The pair is kept when the gap is &gt; 0 and ≥ {@code min_margin}; a node with fewer than two valued
 * children counts as {@code too_few}, one whose valued children all share one Q as {@code all_tied}, one whose gap is
 * below the margin as {@code below_margin}. Pure: no tensors, the trees' rows in, pairs out.
 */
public final class TreePairs {
    private TreePairs() {}

    public record Result(List<PairRow> rows, Counts counts, TreeStats stats) {}

    /**
     * @param nodes   every tree's rows (trees.jsonl), a tree's rows together, root first
     * @param samples the trees' scored evaluations (samples.jsonl), for the counts
     * @param prompts each prompt id's text
     */
    public static Result build(List<TreeRow> nodes, List<SampleRow> samples, Map<String, String> prompts, double minMargin) {
        Map<String, List<TreeRow>> trees = new LinkedHashMap<>();
        for (TreeRow n : nodes) trees.computeIfAbsent(n.promptId(), k -> new ArrayList<>()).add(n);
        List<PairRow> rows = new ArrayList<>();
        int expanded = 0, deepest = 0, allTied = 0, tooFew = 0, belowMargin = 0;
        long tokens = 0;
        Map<Integer, Integer> byDepth = new TreeMap<>();
        List<Double> gaps = new ArrayList<>();
        for (List<TreeRow> tree : trees.values()) {
            for (TreeRow n : tree) {
                tokens += n.tokens();
                deepest = Math.max(deepest, n.depth());
                if (n.children().isEmpty()) continue;
                expanded++;
                List<TreeRow> valued = n.children().stream().map(tree::get).filter(c -> c.visits() > 0).toList();
                if (valued.size() < 2) {
                    tooFew++;
                    continue;
                }
                TreeRow best = valued.get(0), worst = valued.get(0);
                for (TreeRow c : valued) {   // strictly: ties keep the lower index
                    if (c.q() > best.q()) best = c;
                    if (c.q() < worst.q()) worst = c;
                }
                double gap = best.q() - worst.q();
                if (gap == 0) {
                    allTied++;
                } else if (gap < minMargin) {
                    belowMargin++;
                } else {
                    rows.add(pair(tree, n, best, worst, prompts.get(n.promptId())));
                    byDepth.merge(n.depth(), 1, Integer::sum);
                    gaps.add(gap);
                }
            }
        }
        int missing = (int) samples.stream().filter(s -> s.score() == null).count();
        Counts counts = new Counts(trees.size(), samples.size(), missing, rows.size(), 0, 0, 0, belowMargin, 0, 0, allTied, tooFew, 0);
        double[] sorted = gaps.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        TreeStats stats = new TreeStats(trees.size(), nodes.size(), expanded, deepest, samples.size(), tokens, byDepth,
                sorted.length == 0 ? null : TreeStats.Gaps.of(sorted));
        return new Result(rows, counts, stats);
    }

    private static PairRow.StepPair pair(List<TreeRow> tree, TreeRow node, TreeRow chosen, TreeRow rejected, String prompt) {
        StringBuilder prefix = new StringBuilder();
        List<int[]> steps = new ArrayList<>();
        for (TreeRow x = node; x.parent() >= 0; x = tree.get(x.parent())) {
            prefix.insert(0, x.step());
            steps.add(0, x.stepIds());
        }
        int[] prefixIds = steps.stream().flatMapToInt(Arrays::stream).toArray();
        return new PairRow.StepPair(node.promptId(), node.promptIndex(), prompt + prefix, prefix.toString(), chosen.step(), rejected.step(),
                node.depth(), node.node(), chosen.node(), rejected.node(), chosen.q(), rejected.q(), chosen.q() - rejected.q(), node.visits(),
                chosen.visits(), rejected.visits(), prefixIds, chosen.stepIds(), rejected.stepIds());
    }
}
