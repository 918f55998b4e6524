package org.jpo.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/** "did you mean ...?" for misspelt keys and names: the closest candidate by edit distance, if close enough. */
public final class Suggest {
    private Suggest() {}

    /** {@code "; did you mean 'x'?"} (or {@code 'x' or 'y'} on a tie), or "" when nothing is close. */
    public static String didYouMean(String given, Collection<String> candidates) {
        List<String> best = closest(given, candidates);
        if (best.isEmpty()) return "";
        return "; did you mean " + best.stream().map(c -> "'" + c + "'").collect(Collectors.joining(" or ")) + "?";
    }

    /**
     * The candidates within a few edits of {@code given} (fewer for short names), or whose last dotted part is
     * {@code given} ({@code gamma} → {@code simpo.gamma}); the nearest ones, ties in the order given.
     */
    static List<String> closest(String given, Collection<String> candidates) {
        List<String> best = new ArrayList<>();
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = c.endsWith("." + given) ? 1 : distance(given, c);
            if (d > Math.max(1, Math.min(3, c.length() / 4)) || d > bestDistance) continue;
            if (d < bestDistance) best.clear();
            best.add(c);
            bestDistance = d;
        }
        return best;
    }

    /** Edit distance counting an insertion, deletion, substitution or swap of neighbours as one edit (OSA). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
