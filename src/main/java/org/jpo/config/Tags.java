package org.jpo.config;

import org.jpo.UserError;
import org.jpo.config.Tree.Node;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tagged groups: an {@link Inline} component whose type is a sealed interface binds the permitted record its map's
 * {@code type} key names ({@link Tag}), searching nested sealed interfaces too. The chosen record's keys sit beside
 * the parent's, as TRL-style flat configs and CI files ({@code - {type: contains, words: [park], weight: 1}}) do.
 */
final class Tags {
    static final String TYPE = "type";

    private Tags() {}

    static boolean isTagged(RecordComponent rc) {
        return rc.isAnnotationPresent(Inline.class) && rc.getType().isInterface() && rc.getType().isSealed();
    }

    /** Every record {@code sealed} permits, directly or through sealed sub-interfaces, by tag, in declaration order. */
    static Map<String, Class<?>> variants(Class<?> sealed) {
        Map<String, Class<?>> out = new LinkedHashMap<>();
        for (Class<?> c : sealed.getPermittedSubclasses()) {
            if (c.isInterface() && c.isSealed()) {
                variants(c).forEach((tag, v) -> put(out, tag, v));
                continue;
            }
            Tag t = c.getAnnotation(Tag.class);
            if (t == null || !c.isRecord()) throw new IllegalStateException(c.getName() + " must be a record with @Tag to be bound from a config");
            put(out, t.value(), c);
        }
        return out;
    }

    private static void put(Map<String, Class<?>> out, String tag, Class<?> c) {
        Class<?> before = out.put(tag, c);
        if (before != null) throw new IllegalStateException("tag '" + tag + "' is on both " + before.getName() + " and " + c.getName());
    }

    static String tag(Object record) { return record.getClass().getAnnotation(Tag.class).value(); }

    /** The record {@code map}'s {@code type} names; {@code path} is the map's place in messages ("" at the top). */
    static Class<?> chosen(Class<?> sealed, Node map, String path) {
        Map<String, Class<?>> variants = variants(sealed);
        List<String> tags = List.copyOf(variants.keySet());
        Node n = map.fields().get(TYPE);
        if (n == null || n.isNull()) {
            throw new UserError(map.where() + ": " + (path.isEmpty() ? "" : path + ": ") + "missing key 'type'; one of " + String.join(", ", tags));
        }
        String given = n.scalar() != null && n.scalar().isTextual() ? n.scalar().textValue() : null;
        Class<?> c = variants.get(given);
        if (c != null) return c;
        throw new UserError(n.where() + ": " + Binder.qualify(path, TYPE) + ": expected one of " + String.join(", ", tags) + "; got "
                + n.json() + (given == null ? "" : Suggest.didYouMean(given, tags)));
    }
}
