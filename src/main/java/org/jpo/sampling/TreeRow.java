package org.jpo.sampling;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

import static com.fasterxml.jackson.annotation.JsonInclude.Include.ALWAYS;
import static com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL;

/**
 * One node of a prompt's search tree ({@link TreeSearch}) as a row of {@code round-NNN/trees.jsonl}: the root (node 0,
 * no step) and every step drawn, with its statistics when the search ended. The snake_case names are a contract.
 *
 * @param node      its id within the prompt's tree (the root is 0, a child's id is above its parent's)
 * @param parent    the parent's id, -1 for the root
 * @param depth     steps below the root
 * @param step      the step's text, decoded as the continuation of the prompt and the steps before it
 * @param stepIds   the step's token ids as sampled (the prefix of a node is its ancestors' step ids, root first)
 * @param stepLogp  Σ log π of the step's tokens (temperature 1)
 * @param prior     P: exp(step_logp) normalized over the parent's children
 * @param draws     how many of the parent's step draws gave this step (identical draws merged)
 * @param visits    N: the values backed up through it
 * @param valueSum  W: their sum
 * @param q         W/N; null when unvisited
 * @param end       delimiter | eos | length; null for the root
 * @param children  its children's ids, in the order they were first drawn
 * @param tokens    tokens generated for it: its step draws and its rollouts
 */
@JsonInclude(NON_NULL)
public record TreeRow(String promptId, int promptIndex, int node, int parent, int depth, String step, int[] stepIds, double stepLogp,
                      double prior, int draws, int visits, double valueSum, @JsonInclude(ALWAYS) Double q, TreeSearch.End end,
                      List<Integer> children, int tokens) {
    public boolean terminal() { return end == TreeSearch.End.EOS || end == TreeSearch.End.LENGTH; }
}
