package org.jpo.train;

import org.jpo.loss.LossConfig;
import org.jpo.loss.LossType;
import org.jpo.train.TrainConfig.Method;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One config key: its name (dotted inside a block), type, default, meaning, where its value lives in a
 * {@link TrainConfig}, and when it is read. A key the run would not read may only hold its default, so a
 * setting is never silently ignored.
 */
final class Key {
    final String name;
    final Value type;
    final String doc;
    private boolean required;
    private Object fixedDefault;
    private Function<Resolved, Object> computedDefault;
    private Function<TrainConfig, Object> getter;
    private boolean lossKey;
    private Set<LossType> readBy;
    private String readByLabel;
    private Function<Resolved, String> hint = r -> "";
    private Function<Resolved, String> unreadWhen = r -> null;
    private BiConsumer<LossConfig.Builder, Object> lossSetter;
    private Consumer<LossConfig.Builder> probeSetup = b -> {};

    private Key(String name, Value type, String doc) {
        this.name = name;
        this.type = type;
        this.doc = doc;
    }

    /** A key with a fixed default. */
    static Key of(String name, Value type, Object dflt, String doc) {
        Key k = new Key(name, type, doc);
        k.fixedDefault = dflt;
        return k;
    }

    /** A key that must be given. */
    static Key required(String name, Value type, String doc) {
        Key k = new Key(name, type, doc);
        k.required = true;
        return k;
    }

    /** A key whose default follows from keys listed before it (shown as null in the defaults). */
    static Key computed(String name, Value type, Function<Resolved, Object> dflt, String doc) {
        Key k = new Key(name, type, doc);
        k.computedDefault = dflt;
        return k;
    }

    Key get(Function<TrainConfig, Object> g) { getter = g; return this; }

    /** A loss key: read by methods dpo and kto only, set on the loss builder by {@code setter}. */
    Key loss(BiConsumer<LossConfig.Builder, Object> setter) { lossKey = true; lossSetter = setter; return this; }

    /** Read only when loss_type includes one of {@code types}. */
    Key readBy(LossType... types) { readBy = EnumSet.copyOf(Arrays.asList(types)); return this; }

    /** As {@link #readBy(LossType...)}, described as {@code label} rather than listed. */
    Key readBy(String label, Set<LossType> types) { readBy = EnumSet.copyOf(types); readByLabel = label; return this; }

    /** Extra advice when the key is set but loss_type does not read it. */
    Key hint(Function<Resolved, String> h) { hint = h; return this; }

    /** Unread for another reason, given by {@code why} (null when read). */
    Key unreadWhen(Function<Resolved, String> why) { unreadWhen = why; return this; }

    /** Builder settings the key's check alone needs (e.g. the alpha divergence for its coefficient). */
    Key probe(Consumer<LossConfig.Builder> setup) { probeSetup = setup; return this; }

    boolean isRequired() { return required; }

    boolean isLossKey() { return lossKey; }

    /** The default shown by {@code --print-defaults}: null for required and computed keys. */
    Object shownDefault() { return fixedDefault; }

    Object defaultValue(Resolved r) { return computedDefault != null ? computedDefault.apply(r) : fixedDefault; }

    Object valueIn(TrainConfig c) { return getter.apply(c); }

    void setOn(LossConfig.Builder b, Object value) { lossSetter.accept(b, value); }

    /** A builder holding only this key's value, with a loss that reads it, to find which key a loss error is about. */
    LossConfig.Builder probe(List<LossType> chosen, Object value) {
        LossType reader = chosen.stream().filter(t -> readBy == null || readBy.contains(t)).findFirst()
                .orElse(readBy == null ? LossType.SIGMOID : readBy.iterator().next());
        LossConfig.Builder b = LossConfig.builder().loss(reader);
        probeSetup.accept(b);
        setOn(b, value);
        return b;
    }

    /** Why the run would not read this key, or null if it does. */
    String unreadReason(Resolved r) {
        Method m = r.method();
        if (lossKey && m != Method.DPO && m != Method.KTO) return "method " + m + " does not read the loss keys";
        if (readBy != null && r.losses().stream().noneMatch(readBy::contains)) {
            String by = readByLabel != null ? readByLabel
                    : readBy.stream().map(t -> t.key).collect(Collectors.joining(", "));
            return "loss_type " + r.losses() + " does not read it (read by " + by + ")" + hint.apply(r);
        }
        return unreadWhen.apply(r);
    }

    /** Values resolved so far, by key name, in key order (a computed default reads earlier keys). */
    static final class Resolved {
        private final Map<String, Object> values = new LinkedHashMap<>();

        void put(String key, Object value) { values.put(key, value); }

        Object get(String key) {
            if (!values.containsKey(key)) throw new IllegalStateException("key " + key + " is not resolved yet");
            return values.get(key);
        }

        double number(String key) { return (Double) get(key); }

        int integer(String key) { return (Integer) get(key); }

        boolean bool(String key) { return (Boolean) get(key); }

        Path path(String key) { return (Path) get(key); }

        Method method() { return (Method) get("method"); }

        @SuppressWarnings("unchecked")
        List<LossType> losses() { return (List<LossType>) get("loss_type"); }
    }
}
