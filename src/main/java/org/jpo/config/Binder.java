package org.jpo.config;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.UserError;
import org.jpo.config.Tree.Node;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * YAML → an immutable config record, for any command. Each record component is a key ({@link Key}: snake_case
 * name, default, meaning), an {@link Inline} group of keys, or a nested block (a record-typed component). An inline
 * group whose type is a sealed interface is tagged: the map's {@code type} key names the permitted record
 * ({@link Tag}) whose keys sit beside the parent's ({@link Tags}); an item of a list of records is named
 * {@code feedback item 2} in messages.
 * Checks run in the order a user fixes things: unknown keys (with the closest valid one), missing required keys,
 * value types (strict: a quoted "8" is not a number), the records' own validation, then keys the run would not
 * read ({@link Reads}) holding anything but their default. Every message starts with {@code file:line} or the
 * override at fault. Paths resolve against the directory of the file that wrote them (the working directory for
 * overrides and defaults) and are made absolute.
 *
 * @param type the config record
 * @param name the config's name in messages, e.g. {@code train} ("unknown key 'x' in 'train'")
 * @param help the command that lists the keys, e.g. {@code jpo train --print-defaults}
 */
public record Binder<R extends Record>(Class<R> type, String name, String help) {

    /** A YAML file plus {@code key=value} overrides (dotted inside blocks; values are YAML), validated. */
    public R load(Path yaml, List<String> overrides) {
        return parse(yaml.toString(), read(yaml), yaml.toAbsolutePath().normalize().getParent(), overrides);
    }

    /** YAML text named {@code file} in messages, relative paths against {@code baseDir}. */
    public R parse(String file, String text, Path baseDir, List<String> overrides) {
        Node root = Tree.parse(file, text, baseDir);
        Path cwd = Path.of("").toAbsolutePath();
        for (String o : overrides) Tree.override(root, o, cwd);
        R r = type.cast(block(type, root, ""));
        rejectUnread(type, r, root, "", List.of(), root, r);
        return r;
    }

    /** Every key under a comment saying what it means, with its default (what {@code --print-defaults} prints). */
    public String defaultsYaml(String header) { return Yaml.render(header, type, null); }

    /** {@code config} as commented YAML that {@link #load} reads back, from any directory, to an equal record. */
    public String toYaml(R config, String header) { return Yaml.render(header, type, config); }

    /** The keys of a config record as written in a file, dotted inside blocks, in order; a tagged group gives every type's. */
    public static List<String> keys(Class<?> type) { return keys(type, null, ""); }

    /** With {@code map}, a tagged group ({@link Tags}) gives {@code type} and the keys of the type it names there. */
    private static List<String> keys(Class<?> type, Node map, String path) {
        List<String> out = new ArrayList<>();
        for (RecordComponent c : type.getRecordComponents()) {
            if (Tags.isTagged(c)) out.addAll(tagKeys(c.getType(), map, path));
            else if (c.isAnnotationPresent(Inline.class)) out.addAll(keys(c.getType(), map, path));
            else if (isBlock(c.getType())) keys(c.getType()).forEach(k -> out.add(snake(c.getName()) + "." + k));
            else out.add(snake(c.getName()));
        }
        return out;
    }

    private static List<String> tagKeys(Class<?> sealed, Node map, String path) {
        Set<String> out = new LinkedHashSet<>(List.of(Tags.TYPE));
        if (map != null) out.addAll(keys(Tags.chosen(sealed, map, path), map, path));
        else Tags.variants(sealed).values().forEach(v -> out.addAll(keys(v)));
        return List.copyOf(out);
    }

    /** A record-typed component is a nested block, unless its type reads itself from one string ({@code parse(String, Path)}). */
    static boolean isBlock(Class<?> c) {
        return c.isRecord() && Arrays.stream(c.getMethods()).noneMatch(m -> m.getName().equals("parse") && m.getParameterCount() == 2);
    }

    static String snake(String camel) { return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(); }

    // ---- binding ----

    /** A block: its unknown and missing keys first, then its values. */
    private Object block(Class<?> c, Node map, String path) {
        List<String> valid = keys(c, map, path);   // a tagged group's type is checked first: it says which keys are valid
        Set<String> level = new LinkedHashSet<>(valid.stream().map(k -> k.split("\\.")[0]).toList());
        for (Map.Entry<String, Node> e : map.fields().entrySet()) {
            if (!level.contains(e.getKey())) throw unknown(c, e.getKey(), e.getValue(), path, valid);
        }
        List<String> missing = required(c, map, path).stream().filter(k -> !map.fields().containsKey(k) || map.fields().get(k).isNull()).toList();
        if (!missing.isEmpty()) {
            throw new UserError(map.where() + ": missing required key" + (missing.size() > 1 ? "s " : " ")
                    + String.join(", ", missing.stream().map(k -> qualify(path, k)).toList()) + " (" + help + " shows every key)");
        }
        return construct(c, map, path);
    }

    private Object construct(Class<?> c, Node map, String path) {
        RecordComponent[] components = c.getRecordComponents();
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) args[i] = component(components[i], map, path);
        try {
            Constructor<?> k = c.getDeclaredConstructor(Arrays.stream(components).map(RecordComponent::getType).toArray(Class[]::new));
            k.setAccessible(true);
            return k.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof ConfigError ce) throw located(ce, map, path);
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("config record " + c.getName() + " cannot be built", e);
        }
    }

    private Object component(RecordComponent rc, Node map, String path) {
        if (Tags.isTagged(rc)) return construct(Tags.chosen(rc.getType(), map, path), map, path);
        if (rc.isAnnotationPresent(Inline.class)) return construct(rc.getType(), map, path);
        String key = qualify(path, snake(rc.getName()));
        Node n = map.fields().get(snake(rc.getName()));
        if (isBlock(rc.getType())) {
            if (n == null || n.isNull()) return block(rc.getType(), Node.map(map.where(), map.baseDir()), key);
            if (!n.isMap()) {
                throw new UserError(n.where() + ": " + key + ": expected a block of " + key + "'s keys, e.g. " + key + ": {"
                        + keys(rc.getType()).get(0) + ": ...}, got " + n.json());
            }
            return block(rc.getType(), n, key);
        }
        if (n == null || n.isNull()) n = defaultNode(rc, map);
        try {
            return value(n, rc.getGenericType(), key);
        } catch (Bad b) {
            throw new UserError(n.where() + ": " + key + ": " + b.getMessage());
        }
    }

    private static Node defaultNode(RecordComponent rc, Node map) {
        Key k = rc.getAnnotation(Key.class);
        if (k == null) throw new IllegalStateException(rc.getDeclaringRecord().getName() + "." + rc.getName() + " has no @Key");
        return Tree.fromJson(Tree.yaml(k.value(), "default of " + rc.getName()), map.where(), Path.of("").toAbsolutePath());
    }

    /** A value that is not what the key's type accepts; the message says what was expected and what was given. */
    private static final class Bad extends Exception {
        Bad(String message) { super(message, null, false, false); }
    }

    private Object value(Node n, Type t, String key) throws Bad {
        Class<?> c = raw(t);
        if (n.isNull()) {
            if (c == Optional.class) return Optional.empty();
            if (c.isPrimitive()) throw new Bad("expected " + what(c) + ", got null");
            return null;
        }
        if (c == Optional.class) return Optional.of(value(n, arg(t), key));
        if (c == JsonNode.class) return n.json();   // a free-form block its record reads itself (jpo sweep's recipes)
        if (c == List.class) {
            if (n.isMap()) throw expected("a list", n);
            List<Node> items = n.items() != null ? n.items() : List.of(n);
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                try {
                    if (items.get(i).isNull()) throw new Bad("expected " + what(raw(arg(t))) + ", got null");
                    out.add(value(items.get(i), arg(t), key + " item " + (i + 1)));   // the name of a record item in messages
                } catch (Bad b) {
                    throw n.items() == null ? b : new Bad(b.getMessage() + " (item " + (i + 1) + " of " + n.json() + ")");
                }
            }
            return List.copyOf(out);
        }
        if (isBlock(c)) {   // a record in a list or an Optional
            if (n.isMap()) return block(c, n, key);
            throw expected(what(c) + " (a mapping of its keys)", n);
        }
        JsonNode j = n.scalar();
        if (j == null) throw expected(what(c), n);
        if (c == double.class || c == Double.class) {
            if (j.isNumber()) return j.doubleValue();
        } else if (c == int.class || c == Integer.class) {
            if (j.isIntegralNumber() && j.canConvertToInt()) return j.intValue();
        } else if (c == long.class || c == Long.class) {
            if (j.isIntegralNumber() && j.canConvertToLong()) return j.longValue();
        } else if (c == boolean.class || c == Boolean.class) {
            if (j.isBoolean()) return j.booleanValue();
        } else if (j.isTextual() && (!j.textValue().isBlank() || c == String.class && !j.textValue().isEmpty())) {   // a string may be " " or "\n" (a delimiter)
            return text(j.textValue(), c, n.baseDir());
        }
        throw expected(what(c), n);
    }

    /** A string value: a path, a name of an enum constant, a string, or any type with {@code parse(String, Path)}. */
    private static Object text(String s, Class<?> c, Path baseDir) throws Bad {
        if (c == String.class) return s;
        if (c == Path.class) {
            try {
                return baseDir.resolve(s).toAbsolutePath().normalize();
            } catch (java.nio.file.InvalidPathException e) {
                throw new Bad("not a valid path: " + s);
            }
        }
        if (c.isEnum()) {
            for (Object e : c.getEnumConstants()) if (Yaml.name((Enum<?>) e).equals(s)) return e;
            throw new Bad("expected " + what(c) + "; got \"" + s + "\"" + hint(c, s, names(c)));
        }
        try {
            Method parse = c.getMethod("parse", String.class, Path.class);
            return parse.invoke(null, s, baseDir);
        } catch (InvocationTargetException e) {
            throw new Bad(e.getCause().getMessage());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("config values of type " + c.getName() + " cannot be read", e);
        }
    }

    private static Bad expected(String what, Node n) { return new Bad("expected " + what + ", got " + n.json()); }

    private static String what(Class<?> c) {
        if (c == double.class || c == Double.class) return "a number";
        if (c == int.class || c == Integer.class || c == long.class || c == Long.class) return "an integer";
        if (c == boolean.class || c == Boolean.class) return "true or false";
        if (c == Path.class) return "a path";
        if (c.isEnum()) return "one of " + String.join(", ", names(c));
        return c == String.class ? "a string" : "a " + snake(c.getSimpleName()).replace('_', ' ');
    }

    private static List<String> names(Class<?> e) {
        return Arrays.stream(e.getEnumConstants()).map(x -> Yaml.name((Enum<?>) x)).toList();
    }

    private static Class<?> raw(Type t) { return t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) t; }

    private static Type arg(Type t) { return ((ParameterizedType) t).getActualTypeArguments()[0]; }

    // ---- messages ----

    private UserError unknown(Class<?> c, String key, Node n, String path, List<String> valid) {
        String advice = hint(c, key, valid);
        return new UserError(n.where() + ": unknown key '" + key + "' in '" + (path.isEmpty() ? name : path) + "'"
                + (advice.isEmpty() ? "; " + help + " lists the keys" : advice));
    }

    /** A {@link Hints} entry for {@code given} on {@code c} or its inline groups, else "did you mean ...?". */
    private static String hint(Class<?> c, String given, List<String> candidates) {
        List<Class<?>> types = new ArrayList<>(List.of(c));
        if (c.isRecord()) {
            Arrays.stream(c.getRecordComponents()).filter(rc -> rc.isAnnotationPresent(Inline.class)).forEach(rc -> types.add(rc.getType()));
        }
        for (Class<?> t : types) {
            Hints h = t.getAnnotation(Hints.class);
            if (h == null) continue;
            for (String entry : h.value()) if (entry.startsWith(given + ": ")) return "; " + entry.substring(given.length() + 2);
        }
        return Suggest.didYouMean(given, candidates);
    }

    private static List<String> required(Class<?> c, Node map, String path) {
        List<String> out = new ArrayList<>();
        for (RecordComponent rc : c.getRecordComponents()) {
            if (Tags.isTagged(rc)) out.addAll(required(Tags.chosen(rc.getType(), map, path), map, path));
            else if (rc.isAnnotationPresent(Inline.class)) out.addAll(required(rc.getType(), map, path));
            else if (rc.isAnnotationPresent(Key.class) && rc.getAnnotation(Key.class).required()) out.add(snake(rc.getName()));
        }
        return out;
    }

    /** {@code e} with the line that set its key (the block's, or the file, when the key was not written). */
    private static ConfigError located(ConfigError e, Node map, String path) {
        Node at = map;
        for (String part : e.key().split("\\.")) {
            Node next = at.isMap() ? at.fields().get(part) : null;
            if (next == null) break;
            at = next;
        }
        String message = path.isEmpty() ? e.getMessage()
                : e.getMessage().startsWith(e.key()) ? qualify(path, e.getMessage()) : "in '" + path + "': " + e.getMessage();
        return new ConfigError(qualify(path, e.key()), at.where() + ": " + message);
    }

    /** {@code simpo.gamma} in a block; {@code feedback item 2: words} in an item of a list of records. */
    static String qualify(String path, String key) {
        return path.isEmpty() ? key : path + (ITEM.matcher(path).matches() ? ": " : ".") + key;
    }

    private static final Pattern ITEM = Pattern.compile(".* item \\d+");

    // ---- keys the run would not read ----

    /** A section and where its keys start, e.g. (the loss config, "") for flat keys. */
    private record Section(Object config, String path) {}

    /**
     * Every key written in {@code map} whose sections say it is not read must be at its default: the config
     * built without it equals the one built with it (this also covers defaults computed from other keys).
     */
    private void rejectUnread(Class<?> c, Object built, Node map, String path, List<Section> outer, Node root, R whole) {
        List<Section> chain = new ArrayList<>(outer);
        chain.add(new Section(built, path));
        for (RecordComponent rc : c.getRecordComponents()) {
            Object value = get(rc, built);
            String key = snake(rc.getName());
            Node n = map.fields().get(key);
            if (rc.isAnnotationPresent(Inline.class)) {   // the value's class: for a tagged group, the record chosen
                rejectUnread(value.getClass(), value, map, path, chain, root, whole);
            } else if (isBlock(rc.getType())) {
                if (n != null && n.isMap()) rejectUnread(rc.getType(), value, n, qualify(path, key), chain, root, whole);
            } else if (n != null && !n.isNull()) {
                String full = qualify(path, key), why = null;
                for (Section s : chain) {
                    if (why == null && s.config() instanceof Reads r) why = r.unread(full.substring(s.path().isEmpty() ? 0 : s.path().length() + 1));
                }
                if (why != null && !isDefault(map, key, root, whole)) throw new ConfigError(full, n.where() + ": " + full + " is set, but " + why);
            }
        }
    }

    private boolean isDefault(Node map, String key, Node root, R whole) {
        Map<String, Node> before = new LinkedHashMap<>(map.fields());
        map.fields().remove(key);
        try {
            return Objects.equals(whole, block(type, root, ""));
        } catch (UserError e) {
            return false;
        } finally {
            map.fields().clear();
            map.fields().putAll(before);
        }
    }

    static Object get(RecordComponent rc, Object record) {
        try {
            Method m = rc.getAccessor();
            m.setAccessible(true);
            return m.invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String read(Path yaml) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(yaml))).toString();
        } catch (NoSuchFileException e) {
            throw new UserError(yaml + ": config file not found");
        } catch (CharacterCodingException e) {
            throw new UserError(yaml + ": not valid UTF-8");
        } catch (IOException e) {
            throw new UserError(yaml + ": cannot read the config: " + e, e);
        }
    }
}
