package org.jpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.io.Jsonl;
import org.jpo.loss.LossType;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The type of a config value: how a YAML node becomes the Java value the records hold, and how that value is
 * written back. Parsing is strict (a quoted "8" is not a number) and fails with {@link Bad} saying what was
 * expected; paths are resolved against the directory the value came from and made absolute.
 */
record Value(Parser parser, Function<Object, String> writer) {
    /** A node the type does not accept; the message says what was expected and what was given. */
    static final class Bad extends Exception {
        Bad(String message) { super(message, null, false, false); }
    }

    @FunctionalInterface interface Parser {
        Object parse(JsonNode node, Path baseDir) throws Bad;
    }

    Object parse(JsonNode node, Path baseDir) throws Bad { return parser.parse(node, baseDir); }

    String write(Object value) { return value == null ? "null" : writer.apply(value); }

    static final Value NUMBER = new Value((n, b) -> {
        if (!n.isNumber()) throw expected("a number", n);
        return n.doubleValue();
    }, v -> number((Double) v));

    static final Value INT = new Value((n, b) -> {
        if (!n.isIntegralNumber() || !n.canConvertToInt()) throw expected("an integer", n);
        return n.intValue();
    }, Object::toString);

    static final Value LONG = new Value((n, b) -> {
        if (!n.isIntegralNumber() || !n.canConvertToLong()) throw expected("an integer", n);
        return n.longValue();
    }, Object::toString);

    static final Value BOOL = new Value((n, b) -> {
        if (!n.isBoolean()) throw expected("true or false", n);
        return n.booleanValue();
    }, Object::toString);

    static final Value PATH = new Value(Value::path, v -> quoted(v.toString()));

    /** {@code model} (the policy's initial weights), {@code none}, or a path to a separate reference model. */
    static final Value REFERENCE = new Value((n, b) -> {
        if (n.isTextual() && (n.textValue().equals("model") || n.textValue().equals("none"))) return n.textValue();
        if (!n.isTextual()) throw expected("model, none or a path", n);
        return path(n, b);
    }, v -> v instanceof Path p ? quoted(p.toString()) : v.toString());

    /** A loss name or a list of them (TRL accepts both). */
    static final Value LOSSES = new Value((n, b) -> {
        List<LossType> out = new ArrayList<>();
        for (JsonNode e : elements(n, "a loss name or a list of loss names")) {
            if (!e.isTextual()) throw expected("a loss name or a list of loss names", n);
            LossType t = loss(e.textValue());
            if (out.contains(t)) throw new Bad("lists " + t + " twice");
            out.add(t);
        }
        if (out.isEmpty()) throw new Bad("expected at least one loss name, got []");
        return List.copyOf(out);
    }, v -> list((List<?>) v, Object::toString));

    /** A number or a list of numbers. */
    static final Value NUMBERS = new Value((n, b) -> {
        List<Double> out = new ArrayList<>();
        for (JsonNode e : elements(n, "a number or a list of numbers")) {
            if (!e.isNumber()) throw expected("a number or a list of numbers", n);
            out.add(e.doubleValue());
        }
        return List.copyOf(out);
    }, v -> list((List<?>) v, d -> number((Double) d)));

    /** One of an enum's config names, e.g. {@code linear}. */
    static <E extends Enum<E>> Value choice(Class<E> type, Function<E, String> key) {
        Map<String, E> byKey = Arrays.stream(type.getEnumConstants()).collect(Collectors.toMap(key, e -> e));
        String names = Arrays.stream(type.getEnumConstants()).map(key).collect(Collectors.joining(", "));
        return new Value((n, b) -> {
            E e = n.isTextual() ? byKey.get(n.textValue()) : null;
            if (e == null) throw new Bad("expected one of " + names + "; got " + json(n) + Suggest.didYouMean(n.asText(), byKey.keySet()));
            return e;
        }, v -> key.apply(type.cast(v)));
    }

    private static LossType loss(String name) throws Bad {
        // TRL calls the unpaired AOT variant "aot_pair"; our aot_pair would be a different loss
        if (name.equals("aot_pair")) throw new Bad("TRL's aot_pair is called aot_unpaired here");
        for (LossType t : LossType.values()) {
            if (t.key.equals(name)) return t;
        }
        List<String> names = Arrays.stream(LossType.values()).map(t -> t.key).toList();
        throw new Bad("unknown loss " + json(Jsonl.JSON.getNodeFactory().textNode(name)) + Suggest.didYouMean(name, names)
                + " (jpo losses lists them: " + String.join(", ", names) + ")");
    }

    private static Path path(JsonNode n, Path baseDir) throws Bad {
        if (!n.isTextual() || n.textValue().isBlank()) throw expected("a path", n);
        try {
            return baseDir.resolve(n.textValue()).toAbsolutePath().normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new Bad("not a valid path: " + json(n));
        }
    }

    private static List<JsonNode> elements(JsonNode n, String what) throws Bad {
        if (n.isArray()) {
            List<JsonNode> out = new ArrayList<>();
            n.forEach(out::add);
            return out;
        }
        if (n.isContainerNode()) throw expected(what, n);
        return List.of(n);
    }

    static Bad expected(String what, JsonNode got) { return new Bad("expected " + what + ", got " + json(got)); }

    /** A node as JSON, e.g. {@code "abc"} with quotes, so a string and a number look different. */
    static String json(JsonNode n) {
        try {
            return Jsonl.JSON.writeValueAsString(n);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Shortest text that parses back to exactly {@code v}, e.g. 1.0e-6. */
    static String number(double v) { return Double.toString(v).replace('E', 'e'); }

    static String quoted(String s) { return json(Jsonl.JSON.getNodeFactory().textNode(s)); }

    private static <T> String list(List<T> values, Function<T, String> item) {
        return values.stream().map(item).collect(Collectors.joining(", ", "[", "]"));
    }
}
