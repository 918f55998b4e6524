package org.jpo.feedback;

import org.jpo.config.ConfigError;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A judge's prompt: built in, or the user's own file; its {@code {name}} placeholders are filled in one pass. */
final class JudgeTemplate {
    private JudgeTemplate() {}

    /**
     * The template in {@code file}, or {@code builtIn} when there is none; a file that lacks one of the
     * {@code placeholders} (names without braces) is a {@link ConfigError} naming {@code key}: such a judge would
     * never see the response it is asked to judge.
     */
    static String read(String key, Optional<Path> file, String builtIn, List<String> placeholders) {
        if (file.isEmpty()) return builtIn;
        Path p = file.get();
        String text;
        try {
            text = Files.readString(p);
        } catch (CharacterCodingException e) {
            throw new ConfigError(key, key + ": " + p + " is not valid UTF-8");
        } catch (IOException e) {
            throw new ConfigError(key, key + ": cannot read " + p + ": " + e.getMessage());
        }
        List<String> missing = placeholders.stream().filter(name -> !text.contains("{" + name + "}")).toList();
        if (!missing.isEmpty()) {
            throw new ConfigError(key, key + ": " + p + " has no " + braces(missing) + " placeholder" + (missing.size() > 1 ? "s" : "")
                    + "; a judge template needs " + braces(placeholders));
        }
        return text;
    }

    private static String braces(List<String> names) { return names.stream().map(n -> "{" + n + "}").collect(Collectors.joining(", ")); }

    /**
     * {@code template} with each {@code {name}} of {@code values} replaced, in one pass: a response that itself
     * contains "{prompt}" is shown to the judge as written, not expanded.
     */
    static String render(String template, Map<String, String> values) {
        String names = values.keySet().stream().map(Pattern::quote).collect(Collectors.joining("|"));
        Matcher m = Pattern.compile("\\{(" + names + ")\\}").matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(values.get(m.group(1))));
        return m.appendTail(out).toString();
    }
}
