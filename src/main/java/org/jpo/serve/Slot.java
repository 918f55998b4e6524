package org.jpo.serve;

import org.jpo.sampling.Completion;
import org.jpo.sampling.FinishReason;
import org.jpo.sampling.LocalSampler;
import org.jpo.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;

/**
 * One choice of a response: a row's tokens as the handler thread accepts them. The decode thread only puts
 * events in the request's queue ({@link #onToken}, {@link #done}, {@link #failed}); the handler thread takes
 * them and calls {@link #accept}, which cuts the text before the first stop string and then asks the decode
 * thread (through {@link #onToken}'s answer) to end the row. Tokens the decode thread made before it heard are
 * ignored, so the answer does not depend on timing.
 */
final class Slot implements Engine.Sink, LocalSampler.TokenListener {
    /** What the decode thread tells the handler thread, in order, for one slot. */
    sealed interface Event permits Token, Done, Failed {
        Slot slot();
    }

    record Token(Slot slot, int id, double logp) implements Event {}

    record Done(Slot slot, Completion completion) implements Event {}

    record Failed(Slot slot, RuntimeException error) implements Event {}

    final int index;
    final int[] prompt;
    private final Tokenizer tok;
    private final List<String> stops;
    private final boolean incremental;
    private final BlockingQueue<Event> events;
    private final List<Integer> ids = new ArrayList<>();
    private final List<Double> logps = new ArrayList<>();
    private volatile boolean stopped;     // a stop string matched: the decode thread may end the row
    private volatile boolean abandoned;   // the client left
    private String text = "";
    private String sent = "";
    FinishReason finish;                  // set once the slot is done

    /**
     * @param incremental decode the text after every token (streaming, stop strings); otherwise once at the end
     */
    Slot(int index, int[] prompt, Tokenizer tok, List<String> stops, boolean incremental, BlockingQueue<Event> events) {
        this.index = index;
        this.prompt = prompt;
        this.tok = tok;
        this.stops = stops;
        this.incremental = incremental || !stops.isEmpty();
        this.events = events;
    }

    // ---- decode thread

    @Override public boolean onToken(int id, double logp) {
        events.add(new Token(this, id, logp));
        return !stopped && !abandoned;
    }

    @Override public boolean live() { return !abandoned; }

    @Override public void done(Completion c) { events.add(new Done(this, c)); }

    @Override public void failed(RuntimeException e) { events.add(new Failed(this, e)); }

    // ---- handler thread

    void abandon() { abandoned = true; }

    boolean finished() { return finish != null; }

    /** Takes a generated token; false if it came after a stop string (or the end) and was ignored. */
    boolean accept(int id, double logp) {
        if (finished() || stopped) return false;
        ids.add(id);
        logps.add(logp);
        if (incremental) {
            text = tok.decodeContinuation(prompt, ids());
            int cut = firstStop(text);
            if (cut >= 0) {
                text = text.substring(0, cut);
                stopped = true;
            }
        }
        return true;
    }

    /** The row ended: EOS or length, unless a stop string ended it first. */
    void finish(Completion c) {
        finish = stopped ? FinishReason.STOP : c.finish();
        if (!incremental) text = tok.decodeContinuation(prompt, ids());
    }

    private int firstStop(String s) {
        int first = -1;
        for (String stop : stops) {
            int at = s.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) first = at;
        }
        return first;
    }

    /**
     * Text not yet streamed. Until the end it holds back what could still become a stop string or an
     * incomplete UTF-8 character (U+FFFD), so the chunks add up to {@link #text()}.
     */
    String unsent() {
        String t = text;
        int end = t.length();
        if (!finished()) {
            int longest = stops.stream().mapToInt(String::length).max().orElse(1);
            end = Math.max(0, end - (longest - 1));
            while (end > 0 && (t.charAt(end - 1) == '\uFFFD' || Character.isHighSurrogate(t.charAt(end - 1)))) end--;
        }
        if (end <= sent.length() || !t.startsWith(sent)) return "";
        String delta = t.substring(sent.length(), end);
        sent = t.substring(0, end);
        return delta;
    }

    String text() { return text; }

    int[] ids() { return ids.stream().mapToInt(Integer::intValue).toArray(); }

    double[] logps() { return logps.stream().mapToDouble(Double::doubleValue).toArray(); }

    int size() { return ids.size(); }

    /** The text of each token and where it starts in the completion text (OpenAI's tokens and text_offset). */
    record Pieces(List<String> tokens, int[] offsets) {}

    Pieces pieces() {
        int[] all = ids();
        List<String> tokens = new ArrayList<>(all.length);
        int[] offsets = new int[all.length];
        String before = "";
        for (int k = 0; k < all.length; k++) {
            String after = tok.decodeContinuation(prompt, java.util.Arrays.copyOf(all, k + 1));
            offsets[k] = before.length();
            tokens.add(after.startsWith(before) ? after.substring(before.length()) : tok.decode(new int[] {all[k]}));
            before = after;
        }
        return new Pieces(tokens, offsets);
    }
}
