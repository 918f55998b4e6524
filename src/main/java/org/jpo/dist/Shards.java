package org.jpo.dist;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.jpo.io.Jsonl;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Work split by rank, then put back together: rank r takes the r-th contiguous share of a list (prompts), and
 * {@link #gather} returns every rank's results in rank order, so the concatenation is the list one process would
 * have made. Rank 0 writes what the others only read. One process: its share is everything, gathering is nothing.
 */
public final class Shards {
    public static final Shards SINGLE = new Shards(Optional.empty());

    private final Optional<Group> group;

    public Shards(Optional<Group> group) { this.group = group; }

    public boolean leader() { return group.map(g -> g.world().leader()).orElse(true); }

    public int world() { return group.map(g -> g.world().size()).orElse(1); }

    /** This rank's contiguous share of {@code all}: [r·n/W, (r+1)·n/W). */
    public <T> List<T> mine(List<T> all) {
        int w = world(), r = group.map(g -> g.world().rank()).orElse(0), n = all.size();
        return all.subList((int) ((long) r * n / w), (int) ((long) (r + 1) * n / w));
    }

    /** Every rank's {@code rows} (JSON records), concatenated in rank order, on every rank. */
    public <T> List<T> gather(List<T> rows, Class<T> type, String phase) {
        if (group.isEmpty()) return rows;
        StringBuilder sb = new StringBuilder();
        try {
            for (T row : rows) sb.append(Jsonl.JSON.writeValueAsString(row)).append('\n');
            List<T> out = new ArrayList<>();
            for (byte[] b : group.get().allgather(sb.toString().getBytes(StandardCharsets.UTF_8), phase)) {
                for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isEmpty()) out.add(Jsonl.JSON.readValue(line, type));
                }
            }
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot pass " + type.getSimpleName() + " rows between ranks: " + e.getMessage(), e);
        }
    }

    /**
     * {@code work} done on {@code rows} with each rank taking the rows of its share of the groups ({@code group} names a
     * row's), every row coming back in its place: {@code work} must return one row per row it gets, in order.
     */
    public <T> List<T> byGroup(List<T> rows, Function<T, String> groupOf, UnaryOperator<List<T>> work, Class<T> type, String phase) {
        if (group.isEmpty()) return work.apply(rows);
        List<String> groups = rows.stream().map(groupOf).distinct().toList();
        int w = world(), n = groups.size(), me = group.get().world().rank();
        java.util.Map<String, Integer> owner = new java.util.HashMap<>();
        for (int r = 0; r < w; r++) for (int i = (int) ((long) r * n / w); i < (int) ((long) (r + 1) * n / w); i++) owner.put(groups.get(i), r);
        List<T> done = gather(work.apply(rows.stream().filter(x -> owner.get(groupOf.apply(x)) == me).toList()), type, phase);
        // the gathered rows are rank 0's in order, then rank 1's, ...: each rank's next row is at its start plus its count so far
        int[] start = new int[w + 1], next = new int[w];
        for (T x : rows) start[owner.get(groupOf.apply(x)) + 1]++;
        for (int r = 0; r < w; r++) start[r + 1] += start[r];
        List<T> out = new ArrayList<>(rows.size());
        for (T x : rows) {
            int r = owner.get(groupOf.apply(x));
            out.add(done.get(start[r] + next[r]++));
        }
        return out;
    }

    /** Rank 0's {@code value}, on every rank (what rank 0 finds on disk decides for all). */
    public boolean leaders(boolean value, String phase) {
        return group.map(g -> g.allgather(value ? 1L : 0L, phase)[0] == 1).orElse(value);
    }

    /** Refuses to go on unless every rank holds the same {@code text} (see {@link Group#requireSame}). */
    public void requireSame(String what, String text, String phase) { group.ifPresent(g -> g.requireSame(what, text, phase)); }

    /** Waits for every rank (after rank 0 wrote what the others read next). */
    public void barrier(String phase) { group.ifPresent(g -> g.barrier(phase)); }
}
