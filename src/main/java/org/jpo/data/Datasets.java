package org.jpo.data;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.jpo.tokenizer.ChatTemplate;
import org.jpo.tokenizer.Tokenizer;
import org.jpo.data.Rows.CompletionText;
import org.jpo.data.Rows.Format;
import org.jpo.data.Rows.PairText;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Loads JSONL data files (optionally gzipped) in TRL's dataset formats ({@link Rows}) as tokenized examples
 * ({@link Tokenization}), truncated to {@link DataOptions#maxLength()}, with counts of what happened
 * ({@link DataStats}).
 *
 * <p>Conversational rows are rendered with the model's chat template, or {@link ChatTemplate#plain()} when
 * it has none; string rows are used as they are, a completion's text directly after its prompt's (so, as in
 * TRL, a completion usually starts with a space). An example whose prompt or a completion is empty (an
 * implicit prompt with nothing shared, a completion with nothing after the shared part) is dropped and
 * counted. A bad row (a missing, ill-typed or empty field, a label that is not a boolean, a win probability
 * outside [0, 1], a margin that is not a number, an unknown format, a line that is not a JSON object, a
 * conversation the chat template rejects) stops loading with {@code file:line: reason}, or with
 * {@link DataOptions.OnBadRow#SKIP} is counted and written to the rejects file as
 * {@code {"line": n, "reason": "...", "row": {...}}} ({@code "row"} is the line's raw text when it is not a
 * JSON object). The rejects file is written, atomically, on every SKIP load, empty when nothing was skipped.
 */
public final class Datasets {
    private Datasets() {}

    /** Paired rows ({@code prompt}, {@code chosen}, {@code rejected}; prompt optional). */
    public static Dataset<PairExample> paired(Path file, Tokenizer tok, Optional<ChatTemplate> template, DataOptions o,
            Path rejects) {
        Loader l = new Loader(file, tok, template, o, rejects);
        return l.load(line -> {
            Format f = Rows.format(line.json());
            if (f != Format.PAIRED) throw Rows.wrongFormat(line.json(), f, "paired rows {prompt, chosen, rejected}");
            return l.pair(l.source(line), Rows.pair(line.json(), l.chat)).stream().toList();
        });
    }

    /**
     * Unpaired rows ({@code prompt}, {@code completion}, {@code label}) for KTO. Paired rows are taken too,
     * as TRL's KTO trainer does: each pair gives a desirable example (its chosen) and an undesirable one (its
     * rejected), each truncated on its own; their margin and win probabilities are not used.
     */
    public static Dataset<UnpairedExample> unpaired(Path file, Tokenizer tok, Optional<ChatTemplate> template, DataOptions o,
            Path rejects) {
        Loader l = new Loader(file, tok, template, o, rejects);
        return l.load(line -> switch (Rows.format(line.json())) {
            case UNPAIRED -> {
                boolean desirable = Rows.label(line.json());
                CompletionText t = Rows.promptCompletion(line.json(), l.chat);
                yield l.unpaired(l.source(line), t.prompt(), t.completion(), desirable).stream().toList();
            }
            case PAIRED -> {
                PairText t = Rows.pair(line.json(), l.chat);
                List<UnpairedExample> out = new ArrayList<>(2);
                l.unpaired(l.source(line), t.prompt(), t.chosen(), true).ifPresent(out::add);
                l.unpaired(l.source(line), t.prompt(), t.rejected(), false).ifPresent(out::add);
                yield out;
            }
            case PROMPT_COMPLETION -> throw new BadRow("missing field 'label' (true for a desirable completion, false otherwise)");
            case TEXT, RANKED -> throw Rows.wrongFormat(line.json(), Rows.format(line.json()), "{prompt, completion, label} or paired rows");
        });
    }

    /**
     * SFT rows: {@code prompt} and {@code completion}, or {@code text}. A text row's prompt is BOS (the loss
     * covers the whole text); with a tokenizer without BOS it is the text's first token, which has no context
     * to be predicted from.
     */
    public static Dataset<SftExample> sft(Path file, Tokenizer tok, Optional<ChatTemplate> template, DataOptions o,
            Path rejects) {
        Loader l = new Loader(file, tok, template, o, rejects);
        return l.load(line -> {
            CompletionText t = switch (Rows.format(line.json())) {
                case PROMPT_COMPLETION -> Rows.promptCompletion(line.json(), l.chat);
                case TEXT -> Rows.text(line.json());
                case UNPAIRED -> throw new BadRow("a labelled (KTO) row: SFT would imitate its undesirable completions too;"
                        + " drop 'label' or use method: kto");
                case PAIRED, RANKED -> throw Rows.wrongFormat(line.json(), Rows.format(line.json()), "{prompt, completion} or {text} rows");
            };
            return l.sft(l.source(line), t).stream().toList();
        });
    }

    /**
     * Ranked rows ({@code prompt}, {@code completions}, {@code scores}) for the listwise losses (method list): TRL has no
     * listwise trainer, so these are jpo's columns, as {@code jpo run}'s pairs.jsonl writes them with pairs.strategy list.
     * All of a row's completions are truncated together; a row whose scores all tie is kept (it orders nothing: its loss is
     * 0, counted in training's {@code frac_reward_zero_std}).
     */
    public static Dataset<ListExample> ranked(Path file, Tokenizer tok, Optional<ChatTemplate> template, DataOptions o, Path rejects) {
        Loader l = new Loader(file, tok, template, o, rejects);
        return l.load(line -> {
            Format f = Rows.format(line.json());
            if (f != Format.RANKED) throw Rows.wrongFormat(line.json(), f, "ranked rows {prompt, completions, scores}");
            return l.list(l.source(line), Rows.ranked(line.json(), l.chat)).stream().toList();
        });
    }

    /** Reads one row into zero or more examples; throws {@link BadRow}. */
    private interface RowReader<E> {
        List<E> read(Jsonl.Line line);
    }

    /** One file's loading: the tokenization, the counts, the rejected rows. */
    private static final class Loader {
        final Path file;
        final DataOptions o;
        final Path rejectsFile;
        final Conversation chat;
        final Tokenization tokens;
        final List<ObjectNode> rejects = new ArrayList<>();
        int rows, truncatedPrompts, truncatedCompletions, droppedEmpty;

        Loader(Path file, Tokenizer tok, Optional<ChatTemplate> template, DataOptions o, Path rejectsFile) {
            if (o.onBadRow() == DataOptions.OnBadRow.SKIP && rejectsFile == null) {
                throw new IllegalArgumentException("on_bad_row: skip needs a rejects file");
            }
            this.file = file;
            this.o = o;
            this.rejectsFile = rejectsFile;
            this.chat = new Conversation(template.orElseGet(ChatTemplate::plain));
            this.tokens = new Tokenization(tok, template.flatMap(ChatTemplate::bosToken));
        }

        String source(Jsonl.Line line) { return file + ":" + line.number(); }

        <E extends Example> Dataset<E> load(RowReader<E> reader) {
            List<E> examples = new ArrayList<>();
            for (Jsonl.Entry entry : Jsonl.entries(file)) {
                rows++;
                try {
                    if (entry instanceof Jsonl.Malformed m) throw new BadRow(m.reason());
                    examples.addAll(reader.read((Jsonl.Line) entry));
                } catch (BadRow bad) {
                    if (o.onBadRow() == DataOptions.OnBadRow.ERROR) throw new UserError(file + ":" + entry.number() + ": " + bad.getMessage());
                    rejects.add(reject(entry, bad.getMessage()));
                } catch (UserError e) { // e.g. a chat template that does not run: not the row's fault, never skipped
                    throw new UserError(file + ":" + entry.number() + ": " + e.getMessage(), e);
                }
            }
            boolean skip = o.onBadRow() == DataOptions.OnBadRow.SKIP;
            if (skip) Jsonl.write(rejectsFile, rejects);
            return new Dataset<>(examples, new DataStats(file.toString(), rows, examples.size(), truncatedPrompts,
                    truncatedCompletions, droppedEmpty, rejects.size(), skip ? Optional.of(rejectsFile) : Optional.empty()));
        }

        private static ObjectNode reject(Jsonl.Entry entry, String reason) {
            ObjectNode r = JsonNodeFactory.instance.objectNode();
            r.put("line", entry.number());
            r.put("reason", reason);
            if (entry instanceof Jsonl.Line line) r.set("row", line.json());
            else r.put("row", ((Jsonl.Malformed) entry).text());
            return r;
        }

        Optional<PairExample> pair(String source, PairText t) {
            if (t.chosen().isEmpty() || t.rejected().isEmpty()) return dropped();
            int[] p = tokens.prompt(t.prompt());   // "" → [BOS]; no tokens at all → dropped by fit()
            return fit(p, tokens.completion(t.prompt(), p, t.chosen()), tokens.completion(t.prompt(), p, t.rejected()))
                    .map(f -> new PairExample(source, f.prompt(), f.completions()[0], f.completions()[1], t.margin(), t.winProbs(), t.preference()));
        }

        Optional<UnpairedExample> unpaired(String source, String prompt, String completion, boolean desirable) {
            if (completion.isEmpty()) return dropped();
            int[] p = tokens.prompt(prompt);
            return fit(p, tokens.completion(prompt, p, completion))
                    .map(f -> new UnpairedExample(source, f.prompt(), f.completions()[0], desirable));
        }

        Optional<ListExample> list(String source, Rows.RankedText t) {
            int[] p = tokens.prompt(t.prompt());
            int[][] c = t.completions().stream().map(y -> tokens.completion(t.prompt(), p, y)).toArray(int[][]::new);
            return fit(p, c).map(f -> new ListExample(source, f.prompt(), f.completions(), t.scores()));
        }

        Optional<SftExample> sft(String source, CompletionText t) {
            int[] p = tokens.prompt(t.prompt());
            int[] c = tokens.completion(t.prompt(), p, t.completion());
            if (t.prompt().isEmpty() && p.length == 0 && c.length > 0) { // a text row, no BOS: the first token is the context
                p = new int[] {c[0]};
                c = Arrays.copyOfRange(c, 1, c.length);
            }
            return fit(p, c).map(f -> new SftExample(source, f.prompt(), f.completions()[0]));
        }

        /** Truncates and counts; empty (and counted as dropped) if the prompt or a completion has no tokens. */
        private Optional<Tokenization.Truncated> fit(int[] prompt, int[]... completions) {
            var t = Tokenization.truncate(prompt, completions, o.maxLength(), o.maxPromptLength(), tokens.bosId());
            if (t.prompt().length == 0 || Arrays.stream(t.completions()).anyMatch(c -> c.length == 0)) return dropped();
            if (t.promptCut()) truncatedPrompts++;
            truncatedCompletions += t.completionsCut();
            return Optional.of(t);
        }

        private <T> Optional<T> dropped() {
            droppedEmpty++;
            return Optional.empty();
        }
    }
}
