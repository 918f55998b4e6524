package org.jpo.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeStore;
import jinjava.de.odysseus.el.tree.impl.Builder.Feature;
import jinjava.de.odysseus.el.tree.impl.Cache;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

import java.lang.reflect.Method;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The Jinjava environment chat templates run in, set up to behave like the one transformers uses
 * ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} plus {@code raise_exception} and
 * {@code strftime_now}):
 *
 * <ul>
 *   <li>trim_blocks and lstrip_blocks, and the source read as Jinja2's lexer reads it ({@link #source});
 *   <li>Jinjava's "legacy overrides" that make it follow Jinja2 rather than its old behaviour: {@code {{-}}}
 *       whitespace control, filters binding tighter than {@code +}, Python-style dict literals and output
 *       (but not "whitespace required within tokens", which would leave {@code {{bos_token}}} unparsed);
 *   <li>Python's keyword arguments, {@code f(name=a - 1)}, and slices with a step, {@code a[::-1]} ({@link JinjaSyntax});
 *   <li>Python string methods ({@link PythonStrings}), and the {@code trim} filter as Python's {@code strip}
 *       (Jinjava's trims only ASCII, so a content ending in a no-break space kept it);
 *   <li>{@code raise_exception(msg)}, which stops rendering with {@link Raised};
 *   <li>{@code strftime_now(format)}: the render's clock ({@link #CLOCK}) in Python's strftime format;
 *   <li>the {@code {% generation %}} block of assistant-mask templates, rendered as its contents.
 * </ul>
 */
final class Jinja {
    static final Jinjava ENV = create();
    /** The context variable holding the {@link Clock} that {@code strftime_now} reads (set by {@link ChatTemplate}). */
    static final String CLOCK = "__jpo_clock__";

    private Jinja() {}

    /** What {@code raise_exception(msg)} throws; Jinjava wraps it, {@link ChatTemplate} unwraps it. */
    static final class Raised extends RuntimeException {
        Raised(String message) { super(message, null, false, false); }
    }

    /**
     * The template text as Jinja2 lexes it: "\r\n" and "\r" are "\n", and one newline at the very end is dropped
     * (keep_trailing_newline=False), so a chat_template.jinja saved with a final newline does not print it.
     */
    static String source(String template) {
        String s = template.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private static Jinjava create() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStrings());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE); // read-write: {% set ns.x = ... %}
        LegacyOverrides jinja2 = LegacyOverrides.newBuilder()
                .withEvaluateMapKeys(true).withIterateOverMapKeys(true).withUsePyishObjectMapper(true)
                .withUseNaturalOperatorPrecedence(true).withParseWhitespaceControlStrictly(true)
                .withAllowAdjacentTextNodes(true).withUseTrimmingForNotesAndExpressions(true)
                .withKeepNullableLoopValues(true).build();
        JinjavaConfig config = JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true)
                .withLegacyOverrides(jinja2).withElResolver(resolver).build();
        Jinjava env = new Jinjava(config) {
            // the expression factory Jinjava builds (JUEL's default features and cache size), parsing with JinjaSyntax
            private final ExpressionFactory expressions = new ExpressionFactoryImpl(new TreeStore(
                    new JinjaSyntax(Feature.METHOD_INVOCATIONS, Feature.VARARGS), new Cache(1000)), new TruthyTypeConverter());

            @Override public ExpressionFactory getExpressionFactory() { return expressions; }
        };
        env.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", method("raise")));
        env.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", method("strftimeNow")));
        env.getGlobalContext().registerFilter(new Trim());
        env.getGlobalContext().registerTag(new GenerationTag());
        return env;
    }

    private static Method method(String name) {
        try {
            Method m = Jinja.class.getDeclaredMethod(name, Object.class);
            m.setAccessible(true); // Jinjava calls it reflectively from outside this package-private class
            return m;
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unused") // called by templates
    private static String raise(Object message) {
        throw new Raised(String.valueOf(message));
    }

    @SuppressWarnings("unused") // called by templates
    private static String strftimeNow(Object format) {
        Clock clock = (Clock) JinjavaInterpreter.getCurrent().getContext().get(CLOCK);
        return strftime(LocalDateTime.now(clock), String.valueOf(format));
    }

    /** Python's {@code datetime.strftime} in the C locale, for the directives dates are written with. */
    static String strftime(LocalDateTime t, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            String pattern = switch (d) {
                case 'd' -> "dd";
                case 'm' -> "MM";
                case 'y' -> "yy";
                case 'Y' -> "yyyy";
                case 'b' -> "MMM";
                case 'B' -> "MMMM";
                case 'a' -> "EEE";
                case 'A' -> "EEEE";
                case 'H' -> "HH";
                case 'I' -> "hh";
                case 'M' -> "mm";
                case 'S' -> "ss";
                case 'p' -> "a";
                case 'j' -> "DDD";
                case '%' -> "'%'";
                default -> throw new IllegalArgumentException("strftime_now: unsupported directive %" + d + " in " + format);
            };
            out.append(DateTimeFormatter.ofPattern(pattern, Locale.US).format(t));
        }
        return out.toString();
    }

    /** Jinja2's {@code trim(chars=None)}: {@code str.strip}. */
    private static final class Trim implements Filter {
        @Override public String getName() { return "trim"; }

        @Override public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PythonStrings.strip(String.valueOf(var), args.length == 0 ? null : args[0]);
        }
    }

    /** {@code {% generation %}...{% endgeneration %}} marks assistant tokens for masks; we render the body. */
    private static final class GenerationTag implements Tag {
        @Override public String getName() { return "generation"; }

        @Override public String getEndTagName() { return "endgeneration"; }

        @Override public String interpret(TagNode node, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : node.getChildren()) out.append(child.render(interpreter).getValue());
            return out.toString();
        }
    }
}
