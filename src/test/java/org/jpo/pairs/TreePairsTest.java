package org.jpo.pairs;

import org.jpo.sampling.SampleRow;
import org.jpo.sampling.TreeRow;
import org.jpo.sampling.TreeSearch.End;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Search trees → step pairs: highest vs lowest Q per expanded node, ties to the lower index, the margin, the counts. */
class TreePairsTest {
    static final List<TreeRow> NODES = new ArrayList<>();

    static void node(int id, int parent, int depth, int visits, Double q, List<Integer> children, int... step) {
        NODES.add(new TreeRow("p", 4, id, parent, depth, parent < 0 ? "" : "s" + id, step, -1.0, 0.5, 1, visits, q == null ? 0 : q * visits, q,
                parent < 0 ? null : End.DELIMITER, children, step.length));
    }

    static {
        node(0, -1, 0, 4, 0.6, List.of(1, 2, 3));
        node(1, 0, 1, 2, 0.5, List.of(4, 5), 11, 12);   // children 4 and 5 tie at 0.3: all tied
        node(2, 0, 1, 1, 0.9, List.of(6, 7), 21);       // one valued child: too few
        node(3, 0, 1, 1, 0.5, List.of(8, 9), 31);       // gap 0.05 < min_margin 0.1
        node(4, 1, 2, 1, 0.3, List.of(10, 11), 41, 42);
        node(5, 1, 2, 1, 0.3, List.of(), 51);
        node(6, 2, 2, 1, 0.9, List.of(), 61);
        node(7, 2, 2, 0, null, List.of(), 71);
        node(8, 3, 2, 1, 0.4, List.of(), 81);
        node(9, 3, 2, 1, 0.35, List.of(), 91);
        node(10, 4, 3, 1, 1.0, List.of(), 101);
        node(11, 4, 3, 1, 0.0, List.of(), 111);
    }

    @Test void highestAgainstLowestQPerExpandedNode() {
        TreePairs.Result r = TreePairs.build(NODES, List.<SampleRow>of(), Map.of("p", "Once"), 0.1);
        assertEquals(2, r.rows().size());
        PairRow.StepPair root = (PairRow.StepPair) r.rows().get(0), deep = (PairRow.StepPair) r.rows().get(1);
        // the root: chosen node 2 (0.9); rejected: nodes 1 and 3 tie at 0.5, the lower index wins
        assertEquals(List.of(0, 2, 1), List.of(root.node(), root.chosenNode(), root.rejectedNode()));
        assertEquals(0.4, root.margin(), 1e-12);
        assertArrayEquals(new int[0], root.prefixIds());
        assertEquals("Once", root.prompt());
        // node 4 at depth 2: its prefix is node 1's step then node 4's, token for token
        assertEquals(List.of(4, 2, 10, 11), List.of(deep.node(), deep.depth(), deep.chosenNode(), deep.rejectedNode()));
        assertArrayEquals(new int[] {11, 12, 41, 42}, deep.prefixIds());
        assertArrayEquals(new int[] {101}, deep.chosenIds());
        assertArrayEquals(new int[] {111}, deep.rejectedIds());
        assertEquals("Onces1s4", deep.prompt());
        assertEquals("s1s4", deep.prefix());
        assertEquals(List.of(1.0, 0.0, 1.0), List.of(deep.chosenQ(), deep.rejectedQ(), deep.margin()));
        assertEquals(List.of(1, 1, 1), List.of(deep.visits(), deep.chosenVisits(), deep.rejectedVisits()));

        Counts c = r.counts();
        assertEquals(List.of(1, 2, 1, 1, 1), List.of(c.prompts(), c.pairs(), c.allTied(), c.tooFew(), c.belowMargin()), c.toString());
        assertEquals(Map.of(0, 1, 2, 1), r.stats().pairsByDepth());
        assertEquals(new TreeStats.Gaps(0.4, 0.55, 0.7, 0.85, 1.0, 0.7), r.stats().qGap());
        assertEquals(List.of(12, 5, 3), List.of(r.stats().nodes(), r.stats().expanded(), r.stats().deepest()));
    }

    /** min_margin keeps a gap equal to it (≥), and 0 keeps every strict preference but no tie. */
    @Test void theMarginIsInclusive() {
        double gap = 0.4 - 0.35;   // node 3's children
        assertEquals(3, TreePairs.build(NODES, List.of(), Map.of("p", ""), gap).counts().pairs());
        assertEquals(2, TreePairs.build(NODES, List.of(), Map.of("p", ""), Math.nextUp(gap)).counts().pairs());
        assertEquals(3, TreePairs.build(NODES, List.of(), Map.of("p", ""), 0).counts().pairs());
        assertEquals(1, TreePairs.build(NODES, List.of(), Map.of("p", ""), 0).counts().allTied());
    }
}
