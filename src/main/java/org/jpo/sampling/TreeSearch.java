package org.jpo.sampling;

import org.jpo.Seeds;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Monte Carlo tree search over reasoning steps, one tree per prompt (MCTS-DPO arXiv:2405.00451; Step-level Value
 * Preference Optimization arXiv:2406.10858). A node is a step: the tokens the policy generated after its parent's
 * prefix up to and including the step delimiter (or EOS); the root is the prompt. Its children's Q values are what
 * step-level pairs are made of ({@code org.jpo.pairs.TreePairs}).
 *
 * <p>One simulation, exactly:
 * <ol>
 *   <li><b>Select.</b> From the root, while the node is expanded, go to the child maximizing
 *       Q(c) + c_puct·P(c)·sqrt(N(node))/(1 + N(c)); Q(c) = W(c)/N(c), and 0 while N(c) = 0; ties go to the lowest
 *       child index (the order the children were first drawn). P is the prior below.</li>
 *   <li><b>Expand</b> the leaf reached, unless it is terminal (its step ended at EOS or used up max_new_tokens) or
 *       max_depth steps below the root: draw {@code children} next steps from the policy. Draws with identical token
 *       ids merge into one child (the first drawn; {@code draws} counts them). The prior of a child is the policy's
 *       probability of its step, exp(Σ of the step's token log-probs at temperature 1), normalized over the node's
 *       children; how often a step was drawn does not enter it.</li>
 *   <li><b>Evaluate</b> every new child, and nothing else: a terminal child is scored directly; any other gets
 *       {@code rollouts} rollouts from its prefix to EOS or max_new_tokens, each scored. Its value v(c) is the mean of
 *       its scores that are not missing; it starts with N = 1, W = v(c) (N = 0 if every score was missing).</li>
 *   <li><b>Back up</b> v = the mean of the new children's values along the path root … leaf: N += 1, W += v. A leaf
 *       that cannot be expanded (terminal, or at max_depth) evaluates nothing new: its own Q is backed up again along
 *       the path, itself included. A simulation with no value (every score missing, or such a leaf with N = 0)
 *       backs up nothing.</li>
 * </ol>
 * Every token generated, for steps and rollouts alike (merged draws included), is counted once in the
 * evaluations' {@code tokens}: a new child's first evaluation carries its step draws' tokens and its rollout's, any
 * other its rollout's — so summing {@code tokens} over a round's samples.jsonl gives what the tree sampled, as it does
 * for full samples.
 *
 * <p>Randomness: draw j of simulation s in the tree of prompt p (steps j &lt; children, then rollouts) has the seed
 * {@code Seeds.of(Seeds.of(seed, p), s, j)}, {@code seed} being the round's (from the run seed and the round); so a tree
 * depends on (run seed, round, prompt) only and is drawn again identically after a restart. Trees advance in lockstep, one simulation at a time, so each step
 * draws and scores all trees' rows in one batch; a tree never reads another's rows.
 */
public final class TreeSearch {
    /** How a step or rollout ended: after the delimiter (a step only), at EOS, or at max_new_tokens. */
    public enum End {
        DELIMITER, EOS, LENGTH;

        @com.fasterxml.jackson.annotation.JsonValue public String wireName() { return name().toLowerCase(java.util.Locale.ROOT); }
    }

    /**
     * The policy and the feedback as the search sees them: the seam a test fakes with known step probabilities and
     * scores, which makes the search a pure function.
     */
    public interface Model {
        /** Each draw's continuation, in order. */
        List<Drawn> draw(List<Draw> draws);

        /** Each evaluation's score, in order; null when the feedback could not score it. */
        List<Double> score(List<Evaluation> evaluations);
    }

    /**
     * One continuation to generate.
     *
     * @param tree      index of the tree (its prompt) in the search's list
     * @param prefix    the ids generated so far after the prompt (the node's steps)
     * @param step      true: stop after the step delimiter; false: a rollout, to EOS or maxTokens
     * @param maxTokens most tokens to generate (what is left of max_new_tokens)
     */
    public record Draw(int tree, int[] prefix, boolean step, long seed, int maxTokens) {}

    /** A generated continuation: its ids, their log-probs (temperature 1), how it ended. */
    public record Drawn(int[] ids, double[] logps, End end) {
        public Drawn {
            if (ids.length != logps.length) throw new IllegalArgumentException(ids.length + " ids but " + logps.length + " log-probs");
        }

        double logp() { return Arrays.stream(logps).sum(); }
    }

    /**
     * A finished completion to score: a terminal node's prefix, or a node's prefix plus one rollout.
     *
     * @param index      its number among its tree's evaluations (the sample index of its row)
     * @param node       the node it evaluates
     * @param completion every id after the prompt
     * @param logp       Σ log π of those ids
     * @param end        EOS or LENGTH
     * @param tokens     ids generated for it (see the class comment): the token count it adds to the round's
     * @param seed       the seed of its last draw (the rollout's, or the terminal step's)
     */
    public record Evaluation(int tree, int index, int node, int[] completion, double logp, End end, int tokens, long seed) {}

    /** A node once the search is done: N, W, its step, its prior and its children's ids. */
    public record Node(int id, int parent, int depth, int[] step, double stepLogp, double prior, int draws, int visits, double valueSum,
                       End end, List<Integer> children, int tokens) {
        /** W/N; NaN while unvisited. */
        public double q() { return visits == 0 ? Double.NaN : valueSum / visits; }

        public boolean terminal() { return end == End.EOS || end == End.LENGTH; }
    }

    /** A finished tree: its nodes (id = index, the root first) and its evaluations with their scores. */
    public record Tree(List<Node> nodes, List<Evaluation> evaluations, List<Double> scores) {}

    private final TreeConfig config;
    private final int maxNewTokens;

    /** @param maxNewTokens most tokens after the prompt, steps and rollout together */
    public TreeSearch(TreeConfig config, int maxNewTokens) {
        if (maxNewTokens < 1) throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
        this.config = config;
        this.maxNewTokens = maxNewTokens;
    }

    /** A node while the search runs. */
    private static final class Live {
        final int id, parent, depth, draws, tokens;
        final int[] prefix, step;
        final double stepLogp;
        final End end;
        double prior, valueSum;
        int visits, extraTokens;
        final List<Live> children = new ArrayList<>();

        Live(int id, int parent, int depth, int[] prefix, int[] step, double stepLogp, int draws, int tokens, End end) {
            this.id = id;
            this.parent = parent;
            this.depth = depth;
            this.prefix = prefix;
            this.step = step;
            this.stepLogp = stepLogp;
            this.draws = draws;
            this.tokens = tokens;
            this.end = end;
        }

        double q() { return visits == 0 ? 0 : valueSum / visits; }   // PUCT reads an unvisited child's Q as 0

        boolean terminal() { return end == End.EOS || end == End.LENGTH; }
    }

    /** One tree's state: its nodes, prompt coordinate and evaluations so far. */
    private static final class State {
        final long seed;
        final List<Live> nodes = new ArrayList<>();
        final List<Evaluation> evaluations = new ArrayList<>();
        final List<Double> scores = new ArrayList<>();
        List<Live> path;

        State(long seed) {
            this.seed = seed;
            nodes.add(new Live(0, -1, 0, new int[0], new int[0], 0, 0, 0, null));
        }
    }

    /**
     * Searches one tree per prompt.
     *
     * @param promptIndexes each tree's prompt index (its seed coordinate)
     * @param seed          the round's tree seed
     */
    public List<Tree> run(List<Integer> promptIndexes, long seed, Model model) { return run(promptIndexes, seed, model, s -> {}); }

    /** {@link #run}, telling {@code done} of each simulation as it finishes (a progress bar). */
    public List<Tree> run(List<Integer> promptIndexes, long seed, Model model, java.util.function.IntConsumer done) {
        List<State> trees = promptIndexes.stream().map(p -> new State(Seeds.of(seed, p))).toList();
        for (int s = 0; s < config.simulations(); s++) {
            simulate(trees, s, model);
            done.accept(s + 1);
        }
        return trees.stream().map(TreeSearch::finished).toList();
    }

    private void simulate(List<State> trees, int s, Model model) {
        // select; the leaves to expand draw their children in one batch
        List<Draw> steps = new ArrayList<>();
        List<State> expanding = new ArrayList<>();
        for (int t = 0; t < trees.size(); t++) {
            State tree = trees.get(t);
            tree.path = select(tree.nodes.get(0));
            Live leaf = tree.path.get(tree.path.size() - 1);
            if (!expandable(leaf)) {
                if (leaf.visits > 0) backUp(tree.path, leaf.q());
                continue;
            }
            expanding.add(tree);
            for (int j = 0; j < config.children(); j++) {
                steps.add(new Draw(t, leaf.prefix, true, Seeds.of(tree.seed, s, j), maxNewTokens - leaf.prefix.length));
            }
        }
        if (expanding.isEmpty()) return;
        List<Drawn> drawn = model.draw(steps);
        // merge identical steps into children; each new child is evaluated: directly if terminal, else by rollouts
        List<Draw> rollouts = new ArrayList<>();
        List<Live> rolled = new ArrayList<>();
        List<Evaluation> direct = new ArrayList<>();
        int k = 0;
        for (State tree : expanding) {
            Live leaf = tree.path.get(tree.path.size() - 1);
            int t = trees.indexOf(tree);
            List<Drawn> mine = drawn.subList(k, k + config.children());
            k += config.children();
            for (Live child : expand(tree, leaf, mine)) {
                int[] ids = concat(leaf.prefix, child.step);
                if (child.terminal()) {
                    direct.add(new Evaluation(t, -1, child.id, ids, 0, child.end, child.tokens, Seeds.of(tree.seed, s, firstDraw(mine, child))));
                    continue;
                }
                for (int r = 0; r < config.rollouts(); r++) {
                    long seed = Seeds.of(tree.seed, s, config.children() + (long) (child.id - leaf.children.get(0).id) * config.rollouts() + r);
                    rollouts.add(new Draw(t, ids, false, seed, maxNewTokens - ids.length));
                    rolled.add(child);
                }
            }
        }
        List<Drawn> ends = rollouts.isEmpty() ? List.of() : model.draw(rollouts);
        // the evaluations in a fixed order: per tree, per child, its rollouts (or its direct score)
        List<Evaluation> evaluations = new ArrayList<>();
        int d = 0, ro = 0;
        for (State tree : expanding) {
            Live leaf = tree.path.get(tree.path.size() - 1);
            for (Live child : leaf.children) {
                if (child.terminal()) {
                    Evaluation e = direct.get(d++);
                    evaluations.add(numbered(tree, e, logpOf(tree, child), child.tokens));
                    continue;
                }
                for (int r = 0; r < config.rollouts(); r++, ro++) {
                    Drawn roll = ends.get(ro);
                    int tokens = roll.ids().length + (r == 0 ? child.tokens : 0);
                    End end = roll.end() == End.EOS ? End.EOS : End.LENGTH;
                    child.extraTokens += roll.ids().length;
                    Evaluation e = new Evaluation(rollouts.get(ro).tree(), -1, child.id, concat(rollouts.get(ro).prefix(), roll.ids()),
                            logpOf(tree, child) + roll.logp(), end, tokens, rollouts.get(ro).seed());
                    evaluations.add(numbered(tree, e, e.logp(), tokens));
                }
            }
        }
        List<Double> scores = model.score(evaluations);
        if (scores.size() != evaluations.size()) throw new IllegalStateException(scores.size() + " scores for " + evaluations.size() + " evaluations");
        // values: each new child the mean of its scores; the path gets the mean of its new children's values
        int e = 0;
        for (State tree : expanding) {
            Live leaf = tree.path.get(tree.path.size() - 1);
            double sum = 0;
            int valued = 0;
            for (Live child : leaf.children) {
                int n = child.terminal() ? 1 : config.rollouts();
                double childSum = 0;
                int childValued = 0;
                for (int r = 0; r < n; r++, e++) {
                    Double v = scores.get(e);
                    tree.scores.add(v);
                    if (v != null) {
                        childSum += v;
                        childValued++;
                    }
                }
                if (childValued == 0) continue;
                child.visits = 1;
                child.valueSum = childSum / childValued;
                sum += child.valueSum;
                valued++;
            }
            if (valued > 0) backUp(tree.path, sum / valued);
        }
    }

    /** The evaluation numbered within its tree and added to it. */
    private static Evaluation numbered(State tree, Evaluation e, double logp, int tokens) {
        Evaluation n = new Evaluation(e.tree(), tree.evaluations.size(), e.node(), e.completion(), logp, e.end(), tokens, e.seed());
        tree.evaluations.add(n);
        return n;
    }

    /** The path from the root down by PUCT to the first node that is not expanded. */
    private List<Live> select(Live root) {
        List<Live> path = new ArrayList<>(List.of(root));
        Live node = root;
        while (!node.children.isEmpty()) {
            Live best = null;
            double bestScore = Double.NEGATIVE_INFINITY, sqrtN = Math.sqrt(node.visits);
            for (Live c : node.children) {
                double u = c.q() + config.cPuct() * c.prior * sqrtN / (1 + c.visits);
                if (u > bestScore) {   // strictly greater: a tie keeps the lower index
                    best = c;
                    bestScore = u;
                }
            }
            node = best;
            path.add(node);
        }
        return path;
    }

    private boolean expandable(Live n) { return !n.terminal() && n.depth < config.maxDepth(); }

    /** The leaf's children from its step draws: identical steps merged, priors the normalized step probabilities. */
    private List<Live> expand(State tree, Live leaf, List<Drawn> draws) {
        List<Drawn> distinct = new ArrayList<>();
        List<Integer> counts = new ArrayList<>(), tokens = new ArrayList<>();
        for (Drawn x : draws) {
            int same = -1;
            for (int i = 0; i < distinct.size() && same < 0; i++) if (Arrays.equals(distinct.get(i).ids(), x.ids())) same = i;
            if (same < 0) {
                distinct.add(x);
                counts.add(1);
                tokens.add(x.ids().length);
            } else {
                counts.set(same, counts.get(same) + 1);
                tokens.set(same, tokens.get(same) + x.ids().length);
            }
        }
        double max = distinct.stream().mapToDouble(Drawn::logp).max().orElseThrow(), z = 0;
        for (Drawn x : distinct) z += Math.exp(x.logp() - max);
        for (int i = 0; i < distinct.size(); i++) {
            Drawn x = distinct.get(i);
            int length = leaf.prefix.length + x.ids().length;
            // a step that reached max_new_tokens ends the completion whatever its last token is
            End end = x.end() == End.DELIMITER && length >= maxNewTokens ? End.LENGTH : x.end();
            Live c = new Live(tree.nodes.size(), leaf.id, leaf.depth + 1, concat(leaf.prefix, x.ids()), x.ids(), x.logp(), counts.get(i),
                    tokens.get(i), end);
            c.prior = Math.exp(x.logp() - max) / z;
            tree.nodes.add(c);
            leaf.children.add(c);
        }
        return leaf.children;
    }

    /** The index of the first draw that made {@code child} (its seed's coordinate). */
    private static int firstDraw(List<Drawn> draws, Live child) {
        for (int j = 0; j < draws.size(); j++) if (Arrays.equals(draws.get(j).ids(), child.step)) return j;
        throw new IllegalStateException("no draw made node " + child.id);
    }

    private static void backUp(List<Live> path, double v) {
        for (Live n : path) {
            n.visits++;
            n.valueSum += v;
        }
    }

    /** Σ log π of the node's prefix: its steps' log-probs from the root. */
    private static double logpOf(State tree, Live n) {
        double s = 0;
        for (Live x = n; x.parent >= 0; x = tree.nodes.get(x.parent)) s += x.stepLogp;
        return s;
    }

    private static Tree finished(State t) {
        List<Node> nodes = t.nodes.stream().map(n -> new Node(n.id, n.parent, n.depth, n.step, n.stepLogp, n.prior, n.draws, n.visits,
                n.valueSum, n.end, n.children.stream().map(c -> c.id).toList(), n.tokens + n.extraTokens)).toList();
        return new Tree(nodes, List.copyOf(t.evaluations), java.util.Collections.unmodifiableList(new ArrayList<>(t.scores)));
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
