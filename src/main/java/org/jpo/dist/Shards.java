package org.jpo.dist;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.jpo.io.Jsonl;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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

    /** Rank 0's {@code value}, on every rank (what rank 0 finds on disk decides for all). */
    public boolean leaders(boolean value, String phase) {
        return group.map(g -> g.allgather(value ? 1L : 0L, phase)[0] == 1).orElse(value);
    }

    /** Refuses to go on unless every rank holds the same {@code text} (see {@link Group#requireSame}). */
    public void requireSame(String what, String text, String phase) { group.ifPresent(g -> g.requireSame(what, text, phase)); }

    /** Waits for every rank (after rank 0 wrote what the others read next). */
    public void barrier(String phase) { group.ifPresent(g -> g.barrier(phase)); }
}
