package org.jpo.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.feedback.PreferenceGame;
import org.jpo.io.Jsonl;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code jpo run} with {@code feedback: [{type: preference_model, game: ...}]} on stories260K: samples.jsonl carries each
 * sample's win_probs against the prompt's others, by sample index, as the game's table says for their kinds; sppo
 * takes the scores as win probabilities; the round's scorer metrics hold the kind distribution.
 */
class PreferenceLoopTest {
    static final List<String> WORDS = List.of("mom", "play", "tree");
    static final PreferenceGame GAME = new PreferenceGame(WORDS, List.of(List.of(0.5, 0.9, 0.3), List.of(0.1, 0.5, 0.8), List.of(0.7, 0.2, 0.5)));
    @TempDir Path tmp;

    @Test void theGamesWinProbabilitiesReachSamplesPairsAndMetrics() throws Exception {
        Path yaml = LoopFixtures.storiesConfig(tmp);
        Files.writeString(yaml, Files.readString(yaml).replace("feedback: [{type: contains, words: [park]}]",
                "feedback: [{type: preference_model, game: {words: [mom, play, tree]}}]"));
        assertTrue(LoopConfig.load(yaml, List.of()).winProbScores(), "a lone preference_model gives win probabilities");
        Cli.Result r = Cli.run("--threads", "1", "run", yaml.toString(), "rounds=1", "prompts.per_round=4", "prompts.eval_limit=2",
                "eval.samples=1", "pairs.strategy=sppo", "train.loss_type=sppo", "train.num_train_epochs=1");
        assertEquals(0, r.exit(), r.toString());
        Path out = tmp.resolve("out");

        List<ObjectNode> samples = Jsonl.read(out.resolve("round-001/samples.jsonl")).stream().map(Jsonl.Line::json).toList();
        assertEquals(16, samples.size());
        Map<String, ObjectNode> byRef = new HashMap<>();
        for (ObjectNode s : samples) byRef.put(s.get("prompt_id").asText() + "#" + s.get("sample_index").asInt(), s);
        int[] kinds = new int[4];
        for (ObjectNode s : samples) {
            String prompt = s.get("prompt_id").asText();
            int i = s.get("sample_index").asInt(), ki = kind(s);
            kinds[ki]++;
            assertEquals(GAME.kind(s.get("completion").asText()), ki, s.toString());
            JsonNode w = s.get("win_probs");
            assertEquals(4, w.size(), s.toString());
            double sum = 0;
            for (int j = 0; j < 4; j++) {
                if (j == i) {
                    assertTrue(w.get(j).isNull(), s.toString());
                    continue;
                }
                ObjectNode other = byRef.get(prompt + "#" + j);
                assertEquals(GAME.prob(ki, kind(other)), w.get(j).doubleValue(), 0, s + " vs " + other);
                assertEquals(1.0, w.get(j).doubleValue() + other.get("win_probs").get(i).doubleValue(), 0);
                sum += w.get(j).doubleValue();
            }
            assertEquals(sum / 3, s.get("score").doubleValue(), 1e-15, s.toString());
        }

        for (Jsonl.Line p : Jsonl.read(out.resolve("round-001/pairs.jsonl"))) {   // sppo: the scores are the win probabilities
            String prompt = p.json().get("prompt_id").asText();
            assertEquals(byRef.get(prompt + "#" + p.json().get("chosen_index").asInt()).get("score").doubleValue(),
                    p.json().get("chosen_win_prob").doubleValue(), 0, p.json().toString());
        }

        JsonNode metrics = Jsonl.read(out.resolve("rounds.jsonl")).get(1).json().get("scorers").get("preference_model:game").get("stat_means");
        for (int k = 0; k < 4; k++) {
            assertTrue(kinds[k] > 0, "every kind occurs, other by none or several words: " + java.util.Arrays.toString(kinds));
            assertEquals(kinds[k] / 16.0, metrics.get(k == 3 ? "kind_other" : "kind_" + (k + 1)).doubleValue(), 1e-15, metrics.toString());
        }
        assertTrue(Files.readString(out.resolve("report.html")).contains("kind_1:"), "the report shows the kind distribution");

        // the eval's kind shares and exploitability, from its sampled completions (2 prompts × 1 sample), as eval keys
        for (int round = 0; round <= 1; round++) {
            JsonNode line = Jsonl.read(out.resolve("rounds.jsonl")).get(round).json(), game = line.get("eval/feedback");
            List<ObjectNode> eval = Jsonl.read(out.resolve("round-00" + round + "/eval_samples.jsonl")).stream().map(Jsonl.Line::json)
                    .filter(x -> !x.get("greedy").asBoolean()).toList();
            double[] pi = new double[4];
            for (ObjectNode e : eval) pi[kind(e)] += 1.0 / eval.size();
            assertEquals(GAME.exploitability(pi), game.get("game/exploitability").doubleValue(), 1e-15, line.toString());
            assertEquals(pi[3], game.get("game/kind_other").doubleValue(), 1e-15, line.toString());
        }
    }

    /** The sample's kind from its one-hot stats. */
    private static int kind(ObjectNode s) {
        JsonNode st = s.get("stats").get("preference_model:game");
        for (int k = 0; k < 3; k++) if (st.get("kind_" + (k + 1)).doubleValue() == 1) return k;
        assertEquals(1.0, st.get("kind_other").doubleValue(), s.toString());
        return 3;
    }
}
