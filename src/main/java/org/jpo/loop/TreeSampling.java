package org.jpo.loop;

import org.jpo.Console;
import org.jpo.Progress;
import org.jpo.feedback.Feedback;
import org.jpo.feedback.ScoredRows;
import org.jpo.sampling.Choice;
import org.jpo.sampling.Completion;
import org.jpo.sampling.FinishReason;
import org.jpo.sampling.LocalSampler;
import org.jpo.sampling.Prompt;
import org.jpo.sampling.PromptRow;
import org.jpo.sampling.SampleRow;
import org.jpo.sampling.TreeConfig;
import org.jpo.sampling.TreeRow;
import org.jpo.sampling.TreeSearch;
import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A round's search trees ({@code sampling.tree}) on the weights in memory: {@link TreeSearch}'s model is the local
 * sampler (a step row ends when its decoded text holds the delimiter) and the loop's feedback (each evaluation scored
 * as a sample of its prompt). Gives the trees' rows and their scored evaluations, the round's samples.jsonl.
 */
final class TreeSampling implements TreeSearch.Model {
    /** The trees' rows (trees.jsonl) and their evaluations, scored (samples.jsonl), each prompt's together. */
    record Result(List<TreeRow> nodes, List<SampleRow> samples) {}

    private final LocalSampler sampler;
    private final Choice choice;
    private final Tokenizer tok;
    private final Set<Integer> stopIds;
    private final String delimiter;
    private final List<PromptRow> prompts;
    private final Map<String, PromptRow> byId;
    private final Feedback feedback;
    private final List<List<SampleRow>> scored = new ArrayList<>();

    private TreeSampling(LocalSampler sampler, Choice choice, Tokenizer tok, Set<Integer> stopIds, String delimiter, List<PromptRow> prompts,
                         Map<String, PromptRow> byId, Feedback feedback) {
        this.sampler = sampler;
        this.choice = choice;
        this.tok = tok;
        this.stopIds = stopIds;
        this.delimiter = delimiter;
        this.prompts = prompts;
        this.byId = byId;
        this.feedback = feedback;
        prompts.forEach(p -> scored.add(new ArrayList<>()));
    }

    /** One tree per prompt, seeded from {@code seed} (the round's): the same inputs give the same trees. */
    static Result run(TreeConfig config, LoopConfig.SamplingConfig s, LocalSampler sampler, Tokenizer tok, Set<Integer> stopIds,
                      List<PromptRow> prompts, Map<String, PromptRow> byId, Feedback feedback, long seed) {
        Choice choice = new Choice(s.temperature(), s.topK(), s.topP(), false);
        try (Progress progress = Progress.start("tree", "simulations", config.simulations(), 0); Console.Hush h = Console.hush()) {
            TreeSampling model = new TreeSampling(sampler, choice, tok, stopIds, config.stepDelimiter(), prompts, byId, feedback);
            List<TreeSearch.Tree> trees = new TreeSearch(config, s.maxNewTokens()).run(prompts.stream().map(PromptRow::index).toList(), seed, model,
                    done -> progress.update(done, ""));
            List<TreeRow> nodes = new ArrayList<>();
            List<SampleRow> samples = new ArrayList<>();
            for (int t = 0; t < trees.size(); t++) {
                nodes.addAll(model.rows(prompts.get(t), trees.get(t)));
                samples.addAll(model.scored.get(t));
            }
            return new Result(nodes, samples);
        }
    }

    @Override public List<TreeSearch.Drawn> draw(List<TreeSearch.Draw> draws) {
        List<LocalSampler.Row> rows = new ArrayList<>();
        for (int i = 0; i < draws.size(); i++) {
            TreeSearch.Draw d = draws.get(i);
            int[] context = concat(prompts.get(d.tree()).ids(), d.prefix());
            rows.add(new LocalSampler.Row(new Prompt(prompts.get(d.tree()).index(), context), i, d.seed(), d.maxTokens(),
                    d.step() ? new StepEnd(context) : LocalSampler.TokenListener.NONE));
        }
        List<TreeSearch.Drawn> out = new ArrayList<>();
        for (Completion c : sampler.generate(rows, choice)) {
            int[] ids = c.tokenIds();
            TreeSearch.End end = c.finish() == FinishReason.LENGTH ? TreeSearch.End.LENGTH
                    : ids.length > 0 && stopIds.contains(ids[ids.length - 1]) ? TreeSearch.End.EOS : TreeSearch.End.DELIMITER;
            out.add(new TreeSearch.Drawn(ids, c.tokenLogps(), end));
        }
        return out;
    }

    @Override public List<Double> score(List<TreeSearch.Evaluation> evaluations) {
        List<SampleRow> rows = new ArrayList<>();
        for (TreeSearch.Evaluation e : evaluations) {
            PromptRow p = prompts.get(e.tree());
            rows.add(new SampleRow(p.id(), p.index(), SampleRow.Policy.CURRENT, false, e.index(), p.text(), tok.decodeContinuation(p.ids(), e.completion()),
                    e.completion(), e.end() == TreeSearch.End.EOS ? FinishReason.STOP : FinishReason.LENGTH, e.tokens(), e.logp(), e.seed(), null, null, null));
        }
        List<SampleRow> done = ScoredRows.score(rows, byId, feedback);
        for (int i = 0; i < done.size(); i++) scored.get(evaluations.get(i).tree()).add(done.get(i));
        return done.stream().map(SampleRow::score).toList();
    }

    /** A tree's nodes as rows, each step's text decoded after the prompt and the steps before it. */
    private List<TreeRow> rows(PromptRow p, TreeSearch.Tree tree) {
        List<TreeRow> out = new ArrayList<>();
        List<int[]> prefixes = new ArrayList<>();
        for (TreeSearch.Node n : tree.nodes()) {
            int[] before = n.parent() < 0 ? new int[0] : prefixes.get(n.parent());
            prefixes.add(concat(before, n.step()));
            String step = n.parent() < 0 ? "" : tok.decodeContinuation(concat(p.ids(), before), n.step());
            out.add(new TreeRow(p.id(), p.index(), n.id(), n.parent(), n.depth(), step, n.step(), n.stepLogp(), n.prior(), n.draws(), n.visits(),
                    n.valueSum(), n.visits() == 0 ? null : n.q(), n.end(), n.children(), n.tokens()));
        }
        return out;
    }

    /**
     * Ends a step row after the token whose text completes the delimiter (the token is kept whole); EOS ends it as
     * usual. Decode workers may call it on several threads: the tokenizer is used under its lock.
     */
    private final class StepEnd implements LocalSampler.TokenListener {
        private final int[] context;
        private int[] ids = new int[0];

        StepEnd(int[] context) { this.context = context; }

        @Override public boolean onToken(int id, double logp) {
            if (stopIds.contains(id)) return true;
            ids = Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = id;
            String text;
            synchronized (tok) {
                text = tok.decodeContinuation(context, ids);
            }
            return !text.contains(delimiter);
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
