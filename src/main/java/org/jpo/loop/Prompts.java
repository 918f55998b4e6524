package org.jpo.loop;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.Seeds;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.sampling.PromptRow;
import org.jpo.tokenizer.ChatTemplate;
import org.jpo.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * The loop's prompts: every row read, rendered, tokenized and checked before any work starts (a bad row names its
 * file:line), then drawn per round without replacement.
 */
final class Prompts {
    private Prompts() {}

    /** Held-out prompts and the ones the rounds draw from. */
    record Split(List<PromptRow> train, List<PromptRow> eval) {}

    /**
     * Reads {@code file}. Each row needs {@code prompt} (a string, or a list of {role, content} messages) and every
     * field in {@code requiredFields}; the prompt must leave room in the context window to generate.
     */
    static List<PromptRow> read(Path file, Tokenizer tok, Optional<ChatTemplate> template, List<String> requiredFields, int window) {
        List<PromptRow> rows = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Jsonl.Entry e : Jsonl.entries(file)) {
            if (e instanceof Jsonl.Malformed m) throw m.error();
            Jsonl.Line line = (Jsonl.Line) e;
            String text = text(line, template);
            for (String f : requiredFields) {
                if (!line.has(f)) throw line.error("the row has no '" + f + "' field, which the feedback reads (fields: " + fields(line.json()) + ")");
            }
            int[] tokens = tokens(tok, template, text);
            if (tokens.length >= window) {
                throw line.error("the prompt has " + tokens.length + " tokens; the model's context window is " + window + " (no room to generate)");
            }
            String id = line.has("id") ? line.json().get("id").asText() : Integer.toString(line.number());
            if (!ids.add(id)) throw line.error("prompt id '" + id + "' appears twice in " + file);
            rows.add(new PromptRow(id, rows.size(), text, tokens, line.json()));
        }
        if (rows.isEmpty()) throw new UserError(file + ": no prompts (the file is empty)");
        return List.copyOf(rows);
    }

    /** eval_file's rows, or a seeded eval_fraction of the prompts held out; at most {@code limit} eval prompts (0 = all). */
    static Split split(List<PromptRow> all, Optional<List<PromptRow>> evalFile, double evalFraction, int limit, long seed, Path file) {
        List<PromptRow> train = all, eval;
        if (evalFile.isPresent()) {
            eval = evalFile.get();
        } else {
            List<PromptRow> shuffled = new ArrayList<>(all);
            Collections.shuffle(shuffled, new Random(Seeds.of(seed, 0xE7A1L)));
            int n = (int) Math.round(evalFraction * all.size());
            if (n == 0 || n == all.size()) {
                throw new UserError(file + ": eval_fraction " + evalFraction + " of " + all.size() + " prompts leaves " + n + " for eval");
            }
            Set<PromptRow> held = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            held.addAll(shuffled.subList(0, n));
            eval = all.stream().filter(held::contains).toList();
            train = all.stream().filter(r -> !held.contains(r)).toList();
        }
        if (limit > 0 && eval.size() > limit) eval = eval.subList(0, limit);
        return new Split(train, eval);
    }

    /**
     * Round {@code round}'s prompts (round 1 first), distinct: taken in turn from a sequence of seeded permutations of
     * {@code train}, so no prompt repeats until all have been used; when a permutation runs out mid-round, the next one
     * starts with the prompts this round does not have yet. Depends only on (seed, round).
     */
    static List<PromptRow> forRound(List<PromptRow> train, int perRound, long seed, int round) {
        java.util.ArrayDeque<PromptRow> queue = new java.util.ArrayDeque<>();
        int pass = 0;
        List<PromptRow> taken = List.of();
        for (int r = 1; r <= round; r++) {
            List<PromptRow> now = new ArrayList<>(perRound);
            while (now.size() < perRound) {
                if (queue.isEmpty()) {
                    List<PromptRow> next = permutation(train, seed, pass++);
                    Set<PromptRow> have = Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                    have.addAll(now);
                    next.stream().filter(x -> !have.contains(x)).forEach(queue::add);
                    next.stream().filter(have::contains).forEach(queue::add);
                }
                now.add(queue.poll());
            }
            taken = now;
        }
        return taken;
    }

    private static List<PromptRow> permutation(List<PromptRow> train, long seed, int pass) {
        List<PromptRow> p = new ArrayList<>(train);
        Collections.shuffle(p, new Random(Seeds.of(seed, 0x9407L, pass)));
        return p;
    }

    private static String text(Jsonl.Line line, Optional<ChatTemplate> template) {
        JsonNode p = line.json().get("prompt");
        if (p == null || p.isNull()) throw line.error("missing field 'prompt' (fields: " + fields(line.json()) + ")");
        if (p.isTextual()) return p.textValue();
        if (!p.isArray()) throw line.error("'prompt' must be a string or a list of {\"role\", \"content\"} messages, got " + p.getNodeType().name().toLowerCase());
        List<ChatTemplate.Message> messages = new ArrayList<>();
        for (JsonNode m : p) {
            if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw line.error("each message of 'prompt' needs string 'role' and 'content', got " + m);
            }
            messages.add(new ChatTemplate.Message(m.get("role").textValue(), m.get("content").textValue()));
        }
        try {
            return template.orElse(ChatTemplate.plain()).render(messages, true);
        } catch (ChatTemplate.Rejected e) {
            throw line.error(e.getMessage());
        }
    }

    /** The prompt's ids with one BOS (not a second when a chat template wrote it); "" is BOS alone. */
    private static int[] tokens(Tokenizer tok, Optional<ChatTemplate> template, String text) {
        boolean bosWritten = template.flatMap(ChatTemplate::bosToken).filter(b -> !b.isEmpty()).map(text::startsWith).orElse(false);
        int[] ids = tok.encode(text, !bosWritten);
        if (ids.length == 0 && tok.bosId().isPresent()) return new int[] {tok.bosId().getAsInt()};
        if (ids.length == 0) throw new UserError("an empty prompt, and the tokenizer has no BOS to start from");
        return ids;
    }

    private static String fields(JsonNode row) {
        List<String> names = new ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        return String.join(", ", names);
    }
}
