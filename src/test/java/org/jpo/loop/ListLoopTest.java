package org.jpo.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.testing.Cli;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * pairs.strategy list with each listwise loss on stories260K, one small round each: every prompt whose scored samples do
 * not all tie becomes one ranked row of pairs.jsonl (best first, ties kept), the round trains on those lists (the
 * reference's log-probs cached for lipo and mpo, none read by pro) and logs the list metrics, and the counts add up.
 */
class ListLoopTest {
    @TempDir static Path tmp;
    static Path config;

    /** The fixture's loop with its DPO keys out; scores graded by seven common words, so a prompt's four samples rarely all tie. */
    @BeforeAll static void config() throws Exception {
        Path base = LoopFixtures.storiesConfig(tmp);
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(base)) {
            if (l.contains("loss_type") || l.contains("beta") || l.contains("num_train_epochs") || l.contains("per_device_train_batch_size")) continue;
            if (l.startsWith("feedback:")) l = "feedback: [{type: contains, words: [the, a, and, was, she, he, to]}]";
            if (l.startsWith("prompts:")) l = "prompts: {file: prompts.jsonl, per_round: 6, eval_fraction: 0.15, eval_limit: 2}";
            if (l.startsWith("sampling:")) l = "sampling: {n: 4, max_new_tokens: 12, batch_size: 24}";
            if (l.startsWith("eval:")) l = "eval: {samples: 1}";
            out.add(l.equals("train:") ? "pairs: {strategy: list}\ntrain:\n  num_train_epochs: 1\n  per_device_train_batch_size: 4" : l);
        }
        config = Files.write(tmp.resolve("list.yaml"), out);
    }

    static Path run(String loss) {
        Path out = tmp.resolve(loss);
        Cli.Result r = Cli.run("--threads", "1", "run", config.toString(), "output_dir=" + out, "rounds=1", "train.loss_type=" + loss);
        assertEquals(0, r.exit(), r.toString());
        return out;
    }

    static List<JsonNode> rows(Path f) { return org.jpo.io.Jsonl.read(f).stream().map(l -> (JsonNode) l.json()).toList(); }

    static void checkRound(Path out, boolean readsReference) throws Exception {
        List<JsonNode> samples = rows(out.resolve("round-001/samples.jsonl")), lists = rows(out.resolve("round-001/pairs.jsonl"));
        JsonNode m = org.jpo.io.Jsonl.JSON.readTree(out.resolve("round-001/manifest.json").toFile()), counts = m.get("counts");
        assertFalse(lists.isEmpty(), "no ranked rows: " + counts);
        assertEquals(lists.size(), counts.get("lists").intValue());
        assertEquals(lists.size(), counts.get("training_rows").intValue());
        assertEquals(counts.get("prompts").intValue(), lists.size() + counts.get("all_tied").intValue() + counts.get("too_few").intValue());
        for (JsonNode row : lists) {
            List<JsonNode> own = samples.stream().filter(s -> s.get("prompt_id").equals(row.get("prompt_id")) && s.get("score").isNumber()).toList();
            assertEquals(own.size(), row.get("completions").size(), "every scored sample of the prompt is in its list: " + row);
            double previous = Double.POSITIVE_INFINITY;
            for (int k = 0; k < own.size(); k++) {
                int index = row.get("completion_indexes").get(k).intValue();
                JsonNode s = own.stream().filter(x -> x.get("sample_index").intValue() == index).findFirst().orElseThrow();
                double score = row.get("scores").get(k).doubleValue();
                assertEquals(s.get("score").doubleValue(), score, 0.0);
                assertEquals(s.get("completion").asText(), row.get("completions").get(k).asText());
                assertTrue(score <= previous, "best first: " + row.get("scores"));
                previous = score;
            }
        }
        JsonNode train = m.get("train");
        for (String k : List.of("loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies", "logps/chosen",
                "logps/rejected", "list_size", "frac_reward_zero_std")) assertTrue(train.has(k), k + " missing from " + train);
        assertEquals(0.0, train.get("frac_reward_zero_std").doubleValue(), "pairing keeps no all-tied list");
        Path cache = out.resolve("cache/reference-logps");
        assertEquals(readsReference, Files.isDirectory(cache) && Files.list(cache).findAny().isPresent(), "reference log-probs cached");
        assertTrue(Files.isRegularFile(out.resolve("round-001/checkpoint/model.safetensors")));
        assertTrue(Files.readString(out.resolve("report.html")).contains("<th>lists</th>"), "the report's counts show lists");
    }

    @Test void proTrainsOnRankedListsWithoutAReference() throws Exception { checkRound(run("pro"), false); }

    /**
     * lipo, then jpo train (method list) on that round's pairs.jsonl: the loop's ranked rows are jpo train's ranked rows
     * ({prompt, completions, scores}; the other columns are not read), here trained with mpo.
     */
    @Test void lipoTrainsOnRankedListsWithTheCachedReference() throws Exception {
        Path out = run("lipo");
        checkRound(out, true);
        Path trained = tmp.resolve("train-mpo");
        Path yaml = Files.writeString(tmp.resolve("train.yaml"), "method: list\nmodel: " + org.jpo.testing.Shared.stories260K()
                + "\ntokenizer: " + org.jpo.testing.Shared.tok512() + "\ntrain_file: " + out.resolve("round-001/pairs.jsonl")
                + "\noutput_dir: " + trained + "\nloss_type: mpo\nmpo: {alpha: 2.0}\nnum_train_epochs: 1\nper_device_train_batch_size: 4\n"
                + "learning_rate: 1.0e-3\nmax_length: 64\nmax_prompt_length: 32\nlogging_steps: 1\n");
        Cli.Result r = Cli.run("--threads", "1", "train", yaml.toString());
        assertEquals(0, r.exit(), r.toString());
        List<JsonNode> metrics = rows(trained.resolve("metrics.jsonl"));
        JsonNode last = metrics.get(metrics.size() - 1);
        assertEquals((int) Math.ceil(rows(out.resolve("round-001/pairs.jsonl")).size() / 4.0), last.get("step").intValue(), "4 lists a step: " + last);
        assertTrue(last.has("list_size") && last.has("rewards/accuracies"), last.toString());
        JsonNode stats = org.jpo.io.Jsonl.JSON.readTree(trained.resolve("data_stats.json").toFile()).get("train");
        assertEquals(rows(out.resolve("round-001/pairs.jsonl")).size(), stats.get("examples").intValue(), stats.toString());
    }

    @Test void mpoTrainsOnRankedListsWithTheCachedReference() throws Exception { checkRound(run("mpo"), true); }
}
