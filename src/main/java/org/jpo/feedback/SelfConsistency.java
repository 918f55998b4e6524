package org.jpo.feedback;

import org.jpo.config.ConfigError;
import org.jpo.config.Key;
import org.jpo.config.Tag;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code self_consistency}: feedback without gold answers (ScPO, arXiv:2411.04109). Each completion's final answer is
 * extracted, and its score is the share of the prompt's completions whose answer equals it: the answer's vote count
 * over the number of completions (unparseable ones included in that number), so the most-voted answer scores highest
 * and {@code best_worst} pairs the most-voted against the least-voted. A completion whose answer cannot be extracted
 * scores missing, with the reason.
 */
@Tag(value = "self_consistency", doc = "The share of the prompt's completions that reach the same final answer (ScPO's votes, "
        + "arXiv:2411.04109): no gold answers needed.")
public record SelfConsistency(
        @Key(value = "math", doc = "How a completion's answer is read: math (its final number, compared by value, as the math verifier "
                + "reads it) | regex (group 1 of the pattern's last match) | exact (the whole text, trimmed).") Extract extract,
        @Key(doc = "extract regex: a Java regular expression with one capturing group (required then).") Optional<String> pattern)
        implements ScorerConfig, Scorer {

    public enum Extract { MATH, REGEX, EXACT }

    public SelfConsistency {
        if (extract == null) extract = Extract.MATH;
        if (pattern == null) pattern = Optional.empty();
        if (extract == Extract.REGEX) {
            String p = pattern.orElseThrow(() -> new ConfigError("pattern", "extract: regex needs a pattern with one capturing group"));
            try {
                if (Pattern.compile(p).matcher("").groupCount() < 1) {
                    throw new ConfigError("pattern", "pattern needs a capturing group (...) around the answer, got " + p);
                }
            } catch (PatternSyntaxException e) {
                throw new ConfigError("pattern", "pattern is not a valid Java regular expression: " + e.getDescription() + " near index "
                        + e.getIndex() + " of " + p);
            }
        } else if (pattern.isPresent()) {
            throw new ConfigError("pattern", "pattern is read by extract: regex only, but extract is " + extract.name().toLowerCase());
        }
    }

    @Override public Scorer open(ScorerContext context) { return this; }

    /** It scores a prompt's completions together, by votes, but gives no win probabilities. */
    @Override public boolean pairwise() { return false; }

    @Override public String name() {
        return "self_consistency:" + extract.name().toLowerCase() + pattern.map(p -> ":" + p).orElse("");
    }

    @Override public List<Score> score(ScoreInput input, List<String> completions) {
        List<Optional<Object>> answers = completions.stream().map(this::answer).toList();
        List<Score> out = new ArrayList<>(completions.size());
        for (int i = 0; i < completions.size(); i++) {
            String ref = String.valueOf(i);
            Optional<Object> a = answers.get(i);
            if (a.isEmpty()) {
                out.add(Score.missing(ref, name(), "no answer to extract (" + extract.name().toLowerCase() + ")"));
                continue;
            }
            long votes = answers.stream().filter(b -> b.isPresent() && same(a.get(), b.get())).count();
            out.add(new Score(ref, name(), (double) votes / completions.size(), "answer " + a.get() + ": " + votes + " of "
                    + completions.size() + " votes"));
        }
        return out;
    }

    /** The completion's answer: an exact rational (math), a string (regex, exact), or none. */
    Optional<Object> answer(String completion) {
        return switch (extract) {
            case MATH -> Answers.finalAnswer(completion).map(Answers.Found::value);
            case EXACT -> completion.isBlank() ? Optional.empty() : Optional.of(completion.strip());
            case REGEX -> {
                Matcher m = Pattern.compile(pattern.orElseThrow()).matcher(completion);
                String last = null;
                while (m.find()) if (m.group(1) != null) last = m.group(1);
                yield Optional.ofNullable(last);
            }
        };
    }

    private static boolean same(Object a, Object b) {
        return a instanceof Answers.Number x && b instanceof Answers.Number y ? x.sameValue(y) : a.equals(b);
    }
}
