package org.jpo.tokenizer;

import com.hubspot.jinjava.objects.collections.PyList;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Python's {@code seq[start:stop:step]} on a list or a string, each part optional, negative indices counted from
 * the end and out-of-range ones clamped as CPython does ({@code messages[::-1]} reverses, {@code s[-9:]} of a
 * short string is the string). Jinjava's own slice has no step and fails on some negative string indices.
 */
final class Slice extends AstRightValue {
    private final AstNode base;
    private final AstNode start;
    private final AstNode stop;
    private final AstNode step;

    /** Absent parts are null. */
    Slice(AstNode base, AstNode start, AstNode stop, AstNode step) {
        this.base = base;
        this.start = start;
        this.stop = stop;
        this.step = step;
    }

    @Override public Object eval(Bindings bindings, ELContext context) {
        Object seq = base.eval(bindings, context);
        if (seq instanceof String s) {
            int[] codePoints = s.codePoints().toArray();
            StringBuilder out = new StringBuilder();
            for (int i : indices(codePoints.length, bindings, context)) out.appendCodePoint(codePoints[i]);
            return out.toString();
        }
        List<?> items;
        if (seq instanceof List<?> list) items = list;
        else if (seq instanceof Object[] array) items = Arrays.asList(array);
        else if (seq instanceof Iterable<?> iterable) {
            List<Object> copy = new ArrayList<>();
            iterable.forEach(copy::add);
            items = copy;
        } else throw new ELException("cannot slice " + (seq == null ? "an undefined value" : seq.getClass().getSimpleName()) + ": " + base);
        List<Object> out = new ArrayList<>();
        for (int i : indices(items.size(), bindings, context)) out.add(items.get(i));
        return new PyList(out);
    }

    /** The indices the slice selects from a sequence of length n, in order (CPython's PySlice_AdjustIndices). */
    private List<Integer> indices(int n, Bindings bindings, ELContext context) {
        Integer byPart = part(step, bindings, context), fromPart = part(start, bindings, context), toPart = part(stop, bindings, context);
        int by = byPart == null ? 1 : byPart;
        if (by == 0) throw new ELException("slice step cannot be zero");
        int from = fromPart == null ? (by > 0 ? 0 : n - 1) : clamp(fromPart, n, by);
        int to = toPart == null ? (by > 0 ? n : -1) : clamp(toPart, n, by);
        List<Integer> out = new ArrayList<>();
        for (int i = from; by > 0 ? i < to : i > to; i += by) out.add(i);
        return out;
    }

    /** A part's value; null when it is left out or None. */
    private static Integer part(AstNode node, Bindings bindings, ELContext context) {
        Object v = node == null ? null : node.eval(bindings, context);
        if (v == null) return null;
        if (!(v instanceof Number n)) throw new ELException("slice indices must be integers, got " + v);
        return n.intValue();
    }

    /** A negative index counts from the end; out of range, it stops at the first or last place the step can reach. */
    private static int clamp(int i, int n, int step) {
        if (i < 0) {
            i += n;
            return i < 0 ? (step < 0 ? -1 : 0) : i;
        }
        return i >= n ? (step < 0 ? n - 1 : n) : i;
    }

    @Override public void appendStructure(StringBuilder b, Bindings bindings) {
        base.appendStructure(b, bindings);
        b.append('[');
        if (start != null) start.appendStructure(b, bindings);
        b.append(':');
        if (stop != null) stop.appendStructure(b, bindings);
        if (step != null) {
            b.append(':');
            step.appendStructure(b, bindings);
        }
        b.append(']');
    }

    @Override public int getCardinality() { return 4; }

    @Override public AstNode getChild(int i) { return new AstNode[] {base, start, stop, step}[i]; } // absent parts are null

    @Override public String toString() { return "[::]"; }
}
