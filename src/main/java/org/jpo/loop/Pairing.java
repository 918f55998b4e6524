package org.jpo.loop;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.data.Example;
import org.jpo.data.IdExamples;
import org.jpo.data.PairExample;
import org.jpo.io.Jsonl;
import org.jpo.pairs.Labeled;
import org.jpo.pairs.Outcome;
import org.jpo.pairs.Pair;
import org.jpo.pairs.PairBuilder;
import org.jpo.pairs.PairsConfig;
import org.jpo.pairs.PromptSamples;
import org.jpo.pairs.Sample;
import org.jpo.pairs.SftTarget;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A round's scored samples → its training rows ({@code pairs.jsonl}): TRL's columns (prompt / chosen / rejected,
 * or completion + label for KTO, or completion for SFT) as text to read, plus the token ids the policy is trained
 * on, so the loop trains on exactly what it sampled.
 */
final class Pairing {
    private Pairing() {}

    /** The rows and what pairing counted. */
    record Rows(List<ObjectNode> rows, Outcome outcome) {}

    static Rows build(List<ObjectNode> samples, PairsConfig config, long seed, int round, OptionalInt eos) {
        return build(samples, config, seed, round, eos, false);
    }

    /** @param winProbScores the scores are win probabilities (a pairwise judge's), which {@code sppo} takes as they are */
    static Rows build(List<ObjectNode> samples, PairsConfig config, long seed, int round, OptionalInt eos, boolean winProbScores) {
        Map<String, List<ObjectNode>> byPrompt = new LinkedHashMap<>();
        for (ObjectNode s : samples) byPrompt.computeIfAbsent(s.get("prompt_id").asText(), k -> new ArrayList<>()).add(s);
        PairBuilder builder = new PairBuilder(config, seed, winProbScores);
        Outcome all = Outcome.EMPTY;
        List<ObjectNode> rows = new ArrayList<>();
        for (var e : byPrompt.entrySet()) {
            Map<Integer, ObjectNode> byIndex = new LinkedHashMap<>();
            List<Sample> ss = new ArrayList<>();
            for (ObjectNode s : e.getValue()) {
                int i = s.get("sample_index").intValue();
                byIndex.put(i, s);
                ss.add(new Sample(i, Samples.score(s), s.get("tokens").intValue(), s.get("policy").asText().equals("initial"), Samples.std(s)));
            }
            Outcome o = builder.build(round, new PromptSamples(e.getKey(), ss));
            all = all.plus(o);
            for (Pair p : o.pairs()) rows.add(pair(p, byIndex.get(p.chosenIndex()), byIndex.get(p.rejectedIndex()), config.eos(), eos));
            for (Labeled l : o.labeled()) rows.add(single(byIndex.get(l.index()), config.eos(), eos).put("label", l.desirable()));
            for (SftTarget t : o.sftTargets()) rows.add(single(byIndex.get(t.index()), config.eos(), eos));
        }
        return new Rows(rows, all);
    }

    private static ObjectNode pair(Pair p, ObjectNode chosen, ObjectNode rejected, PairsConfig.Eos rule, OptionalInt eos) {
        ObjectNode o = head(chosen);
        o.put("chosen", chosen.get("completion").asText());
        o.put("rejected", rejected.get("completion").asText());
        o.put("chosen_index", p.chosenIndex());
        o.put("rejected_index", p.rejectedIndex());
        o.put("chosen_score", Samples.score(chosen));
        o.put("rejected_score", Samples.score(rejected));
        o.put("margin", p.margin());
        p.chosenWinProb().ifPresent(w -> o.put("chosen_win_prob", w));
        p.rejectedWinProb().ifPresent(w -> o.put("rejected_win_prob", w));
        ids(o, "chosen_ids", withEos(chosen, rule, eos));
        ids(o, "rejected_ids", withEos(rejected, rule, eos));
        return o;
    }

    private static ObjectNode single(ObjectNode s, PairsConfig.Eos rule, OptionalInt eos) {
        ObjectNode o = head(s);
        o.put("completion", s.get("completion").asText());
        o.put("completion_index", s.get("sample_index").intValue());
        o.put("score", Samples.score(s));
        ids(o, "completion_ids", withEos(s, rule, eos));
        return o;
    }

    private static ObjectNode head(ObjectNode s) {
        ObjectNode o = Jsonl.JSON.createObjectNode();
        o.put("prompt_id", s.get("prompt_id").asText());
        o.put("prompt_index", s.get("prompt_index").intValue());
        o.put("prompt", s.get("prompt").asText());
        return o;
    }

    /**
     * The ids trained on: as sampled (a finished completion's last id is its stop token), plus EOS for a completion
     * cut at max_new_tokens only under {@code eos: always} — training it to stop where it was merely cut off would
     * teach it to stop mid-answer.
     */
    static int[] withEos(ObjectNode s, PairsConfig.Eos rule, OptionalInt eos) {
        int[] ids = Samples.ids(s, "completion_ids");
        boolean finished = s.get("finish_reason").asText().equals("stop");
        if (finished || rule == PairsConfig.Eos.FINISHED_ONLY || eos.isEmpty()) return ids;
        int[] out = java.util.Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = eos.getAsInt();
        return out;
    }

    private static void ids(ObjectNode o, String field, int[] ids) {
        ArrayNode a = o.putArray(field);
        for (int id : ids) a.add(id);
    }

    /**
     * Training examples from pairs.jsonl rows ({@code file} names them in sources); {@code prompts} gives each
     * prompt's ids. The kind follows the rows: pairs, labelled (KTO) or SFT.
     */
    static List<Example> examples(Path file, List<ObjectNode> rows, Map<String, Prompts.Row> prompts, IdExamples ids) {
        List<Example> out = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            ObjectNode r = rows.get(i);
            String source = file + ":" + (i + 1);
            int[] prompt = prompts.get(r.get("prompt_id").asText()).ids();
            if (r.has("chosen_ids")) {
                Optional<PairExample.WinProbs> w = r.has("chosen_win_prob")
                        ? Optional.of(new PairExample.WinProbs(r.get("chosen_win_prob").doubleValue(), r.get("rejected_win_prob").doubleValue()))
                        : Optional.empty();
                out.add(ids.pair(source, prompt, Samples.ids(r, "chosen_ids"), Samples.ids(r, "rejected_ids"), w));
            } else if (r.has("label")) {
                out.add(ids.unpaired(source, prompt, Samples.ids(r, "completion_ids"), r.get("label").booleanValue()));
            } else {
                out.add(ids.sft(source, prompt, Samples.ids(r, "completion_ids")));
            }
        }
        return out;
    }
}
