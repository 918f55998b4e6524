package org.jpo.data;

/** Small facts about examples that the trainer needs whatever their kind. */
public final class Examples {
    private Examples() {}

    /** Every token array of an example, in a fixed order (for cache keys and token counts). */
    public static int[][] tokenArrays(Example e) {
        if (e instanceof PairExample p) return new int[][] {p.prompt(), p.chosen(), p.rejected()};
        if (e instanceof UnpairedExample u) return new int[][] {u.prompt(), u.completion(), {u.desirable() ? 1 : 0}};
        if (e instanceof GroupExample g) return new int[][] {g.prompt(), g.completion()};
        if (e instanceof ListExample l) {
            int[][] out = new int[l.size() + 2][];
            out[0] = l.prompt();
            out[1] = new int[] {l.size()};
            System.arraycopy(l.completions(), 0, out, 2, l.size());
            return out;
        }
        SftExample s = (SftExample) e;
        return new int[][] {s.prompt(), s.completion()};
    }

    /** Tokens a forward pass over the example reads (prompt once per completion). */
    public static long tokens(Example e) {
        if (e instanceof PairExample p) return 2L * p.prompt().length + p.chosen().length + p.rejected().length;
        if (e instanceof UnpairedExample u) return u.prompt().length + u.completion().length;
        if (e instanceof GroupExample g) return g.prompt().length + g.completion().length;
        if (e instanceof ListExample l) return (long) l.size() * l.prompt().length + java.util.Arrays.stream(l.completions()).mapToLong(c -> c.length).sum();
        SftExample s = (SftExample) e;
        return s.prompt().length + s.completion().length;
    }
}
