package org.jpo.tokenizer;

import com.hubspot.jinjava.el.ext.AstNamedParameter;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner.ScanException;
import jinjava.de.odysseus.el.tree.impl.Scanner.Symbol;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;

import java.util.ArrayList;
import java.util.List;

/**
 * Jinjava's expression syntax with two of Python's that chat templates use (Qwen3's among them):
 *
 * <ul>
 *   <li>keyword arguments: Jinjava parses {@code name=value} as an operator as tight as {@code +}, so
 *       {@code namespace(last=messages|length - 1)} became {@code (last=messages|length) - 1} and failed; here the
 *       value is the whole expression up to the next comma, as in Jinja2;
 *   <li>slices with a step, {@code messages[::-1]} ({@link Slice}).
 * </ul>
 */
final class JinjaSyntax extends Builder {
    JinjaSyntax(Feature... features) { super(features); }

    @Override protected Parser createParser(String expression) { return new PythonParser(this, expression); }

    private static final class PythonParser extends ExtendedParser {
        PythonParser(Builder builder, String input) { super(builder, input); }

        @Override protected AstParameters params(Symbol left, Symbol right) throws ScanException, ParseException {
            consumeToken(left);
            List<AstNode> list = new ArrayList<>();
            AstNode v = argument(false);
            if (v != null) {
                list.add(v);
                while (getToken().getSymbol() == Symbol.COMMA) {
                    consumeToken();
                    list.add(argument(true));
                }
            }
            consumeToken(right);
            return new AstParameters(list);
        }

        /** {@code name=expression} ("=" alone: "==" is another token), or a positional expression. */
        private AstNode argument(boolean required) throws ScanException, ParseException {
            if (getToken().getSymbol() == Symbol.IDENTIFIER && "=".equals(lookahead(0).getImage())) {
                String name = consumeToken().getImage();
                consumeToken(); // =
                return new AstNamedParameter(identifier(name), expr(true));
            }
            return expr(required);
        }

        /** ExtendedParser's value() with {@link #subscript}: a base, then any {@code .name}, {@code .f(...)}, {@code [...]}. */
        @Override protected AstNode value() throws ScanException, ParseException {
            boolean lvalue = true;
            AstNode v = nonliteral();
            if (v == null) {
                v = literal();
                if (v == null) return null;
                lvalue = false;
            }
            while (true) {
                switch (getToken().getSymbol()) {
                    case DOT -> {
                        consumeToken();
                        AstDot dot = createAstDot(v, consumeToken(Symbol.IDENTIFIER).getImage(), lvalue);
                        v = calls() ? createAstMethod(dot, params()) : dot;
                    }
                    case LBRACK -> v = subscript(v, lvalue);
                    default -> {
                        return v; // filters and tests: Jinja sets natural operator precedence, so mul() applies them
                    }
                }
            }
        }

        /** {@code a[i]} (or {@code a[i](...)}), or the slice {@code a[start:stop:step]} with any part left out. */
        private AstNode subscript(AstNode v, boolean lvalue) throws ScanException, ParseException {
            consumeToken(); // [
            AstNode index = expr(false);
            if (getToken().getSymbol() != Symbol.COLON) {
                consumeToken(Symbol.RBRACK);
                AstBracket bracket = createAstBracket(v, index, lvalue, !context.isEnabled(Feature.NULL_PROPERTIES));
                return calls() ? createAstMethod(bracket, params()) : bracket;
            }
            consumeToken(); // :
            AstNode stop = expr(false);
            AstNode step = null;
            if (getToken().getSymbol() == Symbol.COLON) {
                consumeToken();
                step = expr(false);
            }
            consumeToken(Symbol.RBRACK);
            return new Slice(v, index, stop, step);
        }

        private boolean calls() { return getToken().getSymbol() == Symbol.LPAREN && context.isEnabled(Feature.METHOD_INVOCATIONS); }
    }
}
