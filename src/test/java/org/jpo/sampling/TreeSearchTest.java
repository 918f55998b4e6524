package org.jpo.sampling;

import org.jpo.Seeds;
import org.jpo.sampling.TreeSearch.Draw;
import org.jpo.sampling.TreeSearch.Drawn;
import org.jpo.sampling.TreeSearch.End;
import org.jpo.sampling.TreeSearch.Evaluation;
import org.jpo.sampling.TreeSearch.Node;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The search as a pure function: a fake policy with known step probabilities and scores, and N, W, Q after k
 * simulations against values worked out by hand below (PUCT, merging, terminal and max-depth leaves, backup).
 */
class TreeSearchTest {
    static final int A = 1, B = 2, NL = 9, EOS = 0;

    /**
     * Steps A (p 0.6) and B (p 0.2), each followed by the delimiter (p 1). The three draws of an expansion give A, B, A
     * (so A's two draws merge), except after A, where the second is B then EOS (a terminal step). A rollout is EOS at
     * once. Scores by the steps before EOS: A 0.5, B 1.0, AA 0.2, AB 0.8, BA 1.0, BB 0.0.
     */
    static final class Fake implements TreeSearch.Model {
        static final Map<String, Double> SCORES = Map.of("A", 0.5, "B", 1.0, "AA", 0.2, "AB", 0.8, "BA", 1.0, "BB", 0.0);
        final List<Draw> draws = new ArrayList<>();
        final Map<String, Double> scores;

        Fake() { this(SCORES); }

        Fake(Map<String, Double> scores) { this.scores = scores; }

        @Override public List<Drawn> draw(List<Draw> ds) {
            List<Drawn> out = new ArrayList<>();
            for (Draw d : ds) {
                draws.add(d);
                if (!d.step()) {
                    out.add(new Drawn(new int[] {EOS}, new double[] {0}, End.EOS));
                    continue;
                }
                int j = (int) draws.stream().filter(x -> x.step() && Arrays.equals(x.prefix(), d.prefix()) && x.tree() == d.tree()).count() - 1;
                boolean afterA = Arrays.equals(d.prefix(), new int[] {A, NL});
                if (j % 3 == 1) {
                    out.add(afterA ? new Drawn(new int[] {B, EOS}, new double[] {Math.log(0.2), 0}, End.EOS)
                            : new Drawn(new int[] {B, NL}, new double[] {Math.log(0.2), 0}, End.DELIMITER));
                } else {
                    out.add(new Drawn(new int[] {A, NL}, new double[] {Math.log(0.6), 0}, End.DELIMITER));
                }
            }
            return out;
        }

        @Override public List<Double> score(List<Evaluation> evaluations) {
            List<Double> out = new ArrayList<>();
            for (Evaluation e : evaluations) {
                StringBuilder k = new StringBuilder();
                for (int id : e.completion()) if (id == A || id == B) k.append(id == A ? 'A' : 'B');
                out.add(scores.get(k.toString()));
            }
            return out;
        }
    }

    static List<Node> search(int simulations) {
        TreeConfig c = new TreeConfig("\n", 3, simulations, 2, 1.0, 1);
        return new TreeSearch(c, 64).run(List.of(7), 11, new Fake()).get(0).nodes();
    }

    /*
     * By hand (c_puct 1; priors A 0.6/(0.6+0.2) = 0.75, B 0.25; u = Q + P·sqrt(N_parent)/(1 + N)):
     * sim 1: expand the root: n1 = A (draws 2), n2 = B; values 0.5, 1.0; root N 1, W 0.75.
     * sim 2: root: u1 = 0.5 + 0.75·1/2 = 0.875, u2 = 1 + 0.25/2 = 1.125 → n2; expand: n3 = BA (1.0), n4 = BB (0.0), v 0.5;
     *        n2 N 2 W 1.5; root N 2 W 1.25.
     * sim 3: u1 = 0.5 + 0.75·√2/2 = 1.0303, u2 = 0.75 + 0.25·√2/3 = 0.8679 → n1; expand: n5 = AA (0.2, rollout),
     *        n6 = AB ended at EOS (0.8, scored directly), v 0.5; n1 N 2 W 1.0; root N 3 W 1.75.
     * sim 4: u1 = 0.5 + 0.75·√3/3 = 0.9330, u2 = 0.75 + 0.25·√3/3 = 0.8943 → n1; at n1 (N 2): u5 = 0.2 + 0.75·√2/2 = 0.7303,
     *        u6 = 0.8 + 0.25·√2/2 = 0.9768 → n6, terminal: its Q 0.8 again; n6 N 2 W 1.6, n1 N 3 W 1.8, root N 4 W 2.55.
     * sim 5: u1 = 0.6 + 0.75·2/4 = 0.975, u2 = 0.75 + 0.25·2/3 = 0.9167 → n1; u5 = 0.2 + 0.75·√3/2 = 0.8495,
     *        u6 = 0.8 + 0.25·√3/3 = 0.9443 → n6 again: n6 N 3 W 2.4, n1 N 4 W 2.6, root N 5 W 3.35.
     * sim 6: u1 = 0.65 + 0.75·√5/5 = 0.9854, u2 = 0.75 + 0.25·√5/3 = 0.9363 → n1; u5 = 0.2 + 0.75·2/2 = 0.95,
     *        u6 = 0.8 + 0.25·2/4 = 0.925 → n5, at max_depth 2: its Q 0.2 again; n5 N 2 W 0.4, n1 N 5 W 2.8, root N 6 W 3.55.
     */
    @Test void visitsAndValuesAfterEachSimulationMatchTheHandComputation() {
        double[][] root = {{1, 0.75}, {2, 1.25}, {3, 1.75}, {4, 2.55}, {5, 3.35}, {6, 3.55}};
        for (int k = 1; k <= 6; k++) {
            Node r = search(k).get(0);
            assertEquals(root[k - 1][0], r.visits(), "root N after " + k);
            assertEquals(root[k - 1][1], r.valueSum(), 1e-12, "root W after " + k);
        }
        List<Node> t = search(6);
        assertEquals(7, t.size());
        // {parent, depth, N, W, draws}
        double[][] want = {{-1, 0, 6, 3.55, 0}, {0, 1, 5, 2.8, 2}, {0, 1, 2, 1.5, 1}, {2, 2, 1, 1.0, 2}, {2, 2, 1, 0.0, 1}, {1, 2, 2, 0.4, 2},
                {1, 2, 3, 2.4, 1}};
        for (int i = 0; i < want.length; i++) {
            Node n = t.get(i);
            assertEquals(List.of((int) want[i][0], (int) want[i][1], (int) want[i][2], (int) want[i][4]), List.of(n.parent(), n.depth(), n.visits(), n.draws()),
                    "node " + i);
            assertEquals(want[i][3], n.valueSum(), 1e-12, "W of node " + i);
        }
        assertEquals(List.of(1, 2), t.get(0).children());
        assertEquals(List.of(5, 6), t.get(1).children());
        assertEquals(0.75, t.get(1).prior(), 1e-12);
        assertEquals(0.25, t.get(2).prior(), 1e-12);
        assertEquals(0.56, t.get(1).q(), 1e-12);
        assertEquals(End.EOS, t.get(6).end());
        assertTrue(t.get(5).children().isEmpty(), "max_depth: never expanded");
        assertArrayEquals(new int[] {B, EOS}, t.get(6).step());
        assertEquals(Math.log(0.2), t.get(6).stepLogp(), 1e-12);
    }

    /**
     * Every token drawn is counted once: 3 expansions of 3 two-token steps (18, merged draws included) and 5 one-token
     * rollouts (the terminal AB is scored directly) = 23, in the evaluations as in the nodes.
     */
    @Test void everyDrawnTokenIsCountedOnceInTheEvaluations() {
        TreeSearch.Tree tree = new TreeSearch(new TreeConfig("\n", 3, 6, 2, 1.0, 1), 64).run(List.of(7), 11, new Fake()).get(0);
        assertEquals(23, tree.evaluations().stream().mapToInt(Evaluation::tokens).sum());
        assertEquals(23, tree.nodes().stream().mapToInt(Node::tokens).sum());
        assertEquals(List.of(5, 3, 5, 3, 5, 2), tree.evaluations().stream().map(Evaluation::tokens).toList());
        assertEquals(List.of(0.5, 1.0, 1.0, 0.0, 0.2, 0.8), tree.scores());
        assertEquals(List.of(0, 1, 2, 3, 4, 5), tree.evaluations().stream().map(Evaluation::index).toList());
        assertArrayEquals(new int[] {A, NL, B, EOS}, tree.evaluations().get(5).completion(), "a terminal step: its prefix, no rollout");
    }

    /** c_puct 0 and equal values: every child's u ties, and the lowest index (A, drawn first) is the one expanded. */
    @Test void tiesGoToTheLowestIndex() {
        Map<String, Double> flat = Map.of("A", 1.0, "B", 1.0, "AA", 1.0, "AB", 1.0, "BA", 1.0, "BB", 1.0);
        List<Node> t = new TreeSearch(new TreeConfig("\n", 3, 2, 2, 0.0, 1), 64).run(List.of(7), 11, new Fake(flat)).get(0).nodes();
        assertEquals(List.of(3, 4), t.get(1).children());
        assertTrue(t.get(2).children().isEmpty());
    }

    /** Draw j of simulation s in prompt p's tree has the seed of (round seed, p, s, j); rollouts come after the steps. */
    @Test void seedsArePerPromptSimulationAndDraw() {
        Fake f = new Fake();
        new TreeSearch(new TreeConfig("\n", 3, 2, 2, 1.0, 2), 64).run(List.of(7, 8), 11, f);
        long tree7 = Seeds.of(11, 7), tree8 = Seeds.of(11, 8);
        // simulation 0: both trees draw 3 steps (j 0..2) in one batch, then 2 children × 2 rollouts (j 3..6)
        assertEquals(List.of(Seeds.of(tree7, 0, 0), Seeds.of(tree7, 0, 1), Seeds.of(tree7, 0, 2), Seeds.of(tree8, 0, 0)),
                f.draws.subList(0, 4).stream().map(Draw::seed).toList());
        assertEquals(List.of(Seeds.of(tree7, 0, 3), Seeds.of(tree7, 0, 4), Seeds.of(tree7, 0, 5), Seeds.of(tree7, 0, 6)),
                f.draws.subList(6, 10).stream().map(Draw::seed).toList());
        assertEquals(Seeds.of(tree7, 1, 0), f.draws.get(14).seed(), "simulation 1's first step draw");
        assertEquals(64 - 2, f.draws.get(6).maxTokens(), "a rollout may use what the steps left of max_new_tokens");
    }
}
