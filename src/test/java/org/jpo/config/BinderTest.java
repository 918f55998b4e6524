package org.jpo.config;

import org.jpo.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** The binder on a schema of its own, knowing no command: blocks, inline groups, lists, paths, enums, unread keys. */
class BinderTest {
    enum Shape { ROUND, SQUARE_EDGED }

    record Size(@Key(value = "2", doc = "Width >= 1.") int width, @Key(value = "1.5e-3", doc = "A rate.") double rate) {
        Size { Check.atLeast("width", width, 1); }
    }

    record Extra(@Key(value = "false", doc = "Whether scale is read.") boolean scaled,
                 @Key(value = "1.0", doc = "Read when scaled.") double scale) implements Reads {
        @Override public String unread(String key) { return key.equals("scale") && !scaled ? "scaled is false" : null; }
    }

    record Toy(@Key(required = true, doc = "Name.") String name,
               @Key(doc = "An input; null = none.") Optional<Path> input,
               @Key(value = "[round]", doc = "Shapes.") List<Shape> shapes,
               @Key(doc = "Computed: null = twice the width.") Integer span,
               @Key(doc = "A block.") Size size,
               @Inline("Extra keys") Extra extra) {
        Toy {
            if (span == null) span = 2 * size.width();
        }
    }

    /** A tagged group at the top level, one variant nested one sealed level down, one with keys it may not read. */
    sealed interface Pet permits Cat, Bird {}
    @Tag("cat") record Cat(@Key(value = "9", doc = "Lives.") int lives) implements Pet {}
    sealed interface Bird extends Pet permits Parrot {}
    @Tag("parrot") record Parrot(@Key(value = "false", doc = "Talks.") boolean talks,
                                 @Key(doc = "Read when talks.") List<String> words) implements Bird, Reads {
        @Override public String unread(String key) { return key.equals("words") && !talks ? "talks is false" : null; }
    }
    record Owner(@Key(required = true, doc = "Name.") String name, @Inline("Pet") Pet pet) {}

    static final Binder<Owner> OWNER = new Binder<>(Owner.class, "owner", "owner --keys");

    @Test void aTaggedGroupBindsTheTypeItNamesFromTheParentsKeys() {
        assertEquals(new Owner("a", new Parrot(true, List.of("hi"))),
                OWNER.parse("o.yaml", "name: a\ntype: parrot\ntalks: true\nwords: [hi]\n", dir, List.of()));
        assertEquals(new Owner("a", new Cat(7)), OWNER.parse("o.yaml", "name: a\ntype: cat\n", dir, List.of("lives=7")));
        String e = assertThrows(UserError.class, () -> OWNER.parse("o.yaml", "name: a\ntype: cat\ntalks: true\n", dir, List.of())).getMessage();
        assertEquals("o.yaml:3: unknown key 'talks' in 'owner'; owner --keys lists the keys", e);
        e = assertThrows(UserError.class, () -> OWNER.parse("o.yaml", "name: a\ntype: parrot\nwords: [hi]\n", dir, List.of())).getMessage();
        assertEquals("o.yaml:3: words is set, but talks is false", e);
        e = assertThrows(UserError.class, () -> OWNER.parse("o.yaml", "name: a\n", dir, List.of())).getMessage();
        assertEquals("o.yaml: missing key 'type'; one of cat, parrot", e);
        assertEquals(List.of("name", "type", "lives", "talks", "words"), Binder.keys(Owner.class));
        Owner o = new Owner("b", new Parrot(false, null));
        assertEquals(o, OWNER.parse("x.yaml", OWNER.toYaml(o, "resolved"), dir, List.of()));
        assertTrue(OWNER.defaultsYaml("d").contains("# type: the pet, one of cat, parrot:\n# - {type: cat, lives: 9}\n"), OWNER.defaultsYaml("d"));
    }

    static final Binder<Toy> BINDER = new Binder<>(Toy.class, "toy", "toy --keys");
    @TempDir Path dir;

    Toy parse(String yaml, String... overrides) { return BINDER.parse("t.yaml", yaml, dir, List.of(overrides)); }

    String error(String yaml, String... overrides) { return assertThrows(UserError.class, () -> parse(yaml, overrides)).getMessage(); }

    @Test void valuesDefaultsAndComputedDefaults() {
        Toy t = parse("name: a\ninput: x/in.jsonl\nshapes: square_edged\nsize: {width: 3}\nscaled: true\nscale: 2\n");
        assertEquals(new Toy("a", Optional.of(dir.resolve("x/in.jsonl")), List.of(Shape.SQUARE_EDGED), 6, new Size(3, 1.5e-3),
                new Extra(true, 2.0)), t);
        assertEquals(new Toy("b", Optional.empty(), List.of(Shape.ROUND), 4, new Size(2, 1.5e-3), new Extra(false, 1.0)), parse("name: b\n"));
        assertEquals(1e-4, parse("name: b\nsize: {rate: 1e-4}\n").size().rate());   // as TRL users write numbers
    }

    @Test void overridesReachBlocksAndReplaceTheFile() {
        Toy t = parse("name: a\nsize: {width: 3}\n", "size.rate=0.5", "name=c", "size={width: 5}", "input=rel.txt");
        assertEquals(new Size(5, 0.5), t.size());
        assertEquals("c", t.name());
        assertEquals(Optional.of(Path.of("").toAbsolutePath().resolve("rel.txt")), t.input());
        assertEquals(Optional.empty(), parse("name: a\ninput: x\n", "input=").input());
    }

    @Test void errorsNameTheLineTheKeyAndWhatWasExpected() {
        assertEquals("t.yaml:3: unknown key 'widht' in 'size'; did you mean 'width'?", error("name: a\nsize:\n  widht: 3\n"));
        assertEquals("t.yaml:2: unknown key 'nmae' in 'toy'; did you mean 'name'?", error("name: a\nnmae: b\n"));
        assertEquals("t.yaml:2: unknown key 'width' in 'toy'; did you mean 'size.width'?", error("name: a\nwidth: 3\n"));
        assertEquals("t.yaml: missing required key name (toy --keys shows every key)", error("span: 3\n"));
        assertEquals("t.yaml:2: size.width: expected an integer, got \"3\"", error("name: a\nsize: {width: '3'}\n"));
        assertEquals("t.yaml:3: size.width must be >= 1, got 0", error("name: a\nsize:\n  width: 0\n"));
        assertEquals("t.yaml:2: shapes: expected one of round, square_edged; got \"square\" (item 2 of [\"round\",\"square\"])",
                error("name: a\nshapes: [round, square]\n"));
        assertEquals("t.yaml:2: scale is set, but scaled is false", error("name: a\nscale: 3\n"));
        assertEquals("override 'size.width=0': size.width must be >= 1, got 0", error("name: a\n", "size.width=0"));
    }

    @Test void anUnreadKeyMayHoldItsDefault() {
        assertEquals(1.0, parse("name: a\nscale: 1.0\n").extra().scale());
    }

    /** A sweep recipe drops a key its base sets: null takes the default, and an unread key set so is no error. */
    @Test void anOverrideOfNullRemovesTheFilesKey() {
        Toy t = parse("name: a\nscale: 3\nscaled: true\nsize: {width: 3}\nshapes: [square_edged]\n", "scaled=null", "scale=null", "size.width=null",
                "shapes=null");
        assertEquals(new Toy("a", Optional.empty(), List.of(Shape.ROUND), 4, new Size(2, 1.5e-3), new Extra(false, 1.0)), t);
    }

    @Test void resolvedYamlReadsBackEqualAndDefaultsListEveryKey() {
        Toy t = parse("name: \"q: x\"\ninput: in\nshapes: [square_edged, round]\nsize: {width: 7, rate: 0.1}\n");
        assertEquals(t, BINDER.parse("elsewhere.yaml", BINDER.toYaml(t, "resolved"), Path.of("/"), List.of()));
        String defaults = BINDER.defaultsYaml("defaults");
        for (String k : List.of("\nname: null", "\nshapes: [round]", "\nsize:\n", "\n  width: 2", "\n  rate: 1.5e-3", "\nscaled: false"))
            assertTrue(defaults.contains(k), k + " in\n" + defaults);
        assertTrue(defaults.contains("# ---- Extra keys ----"));
        assertEquals(List.of("name", "input", "shapes", "span", "size.width", "size.rate", "scaled", "scale"), Binder.keys(Toy.class));
    }
}
