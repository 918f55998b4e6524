package org.jpo.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.config.Binder;
import org.jpo.config.ConfigError;
import org.jpo.config.Key;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@code jpo sweep} file: recipes (overrides of one base {@code jpo run} config) run at every seed. Its keys, the
 * override syntax (jpo run's key=value keys, dotted inside sections) and the layout {@code OUT/<recipe>/seed-<s>/}
 * are a contract. {@code ${seed}} in the base's path or text, in a control's config file and in any recipe value is
 * the run's seed, so each seed may start from its own policy. Paths in a recipe's values resolve against the working
 * directory, as key=value arguments do; paths in files against the file's directory.
 */
public record SweepConfig(
        @Key(required = true, doc = "The jpo run config every recipe starts from: a file (relative to this one) or an inline "
                + "mapping. Required.") JsonNode base,
        @Key(required = true, doc = "The sweep directory: OUT/<recipe>/seed-<s>/ is each run's directory. Required.") Path outputDir,
        @Key(required = true, doc = "The seeds every recipe runs at (the run's seed key). Required.") List<Long> seeds,
        @Key(required = true, doc = "name -> overrides of the base, in jpo run's key=value keys: {train.loss_type: sigmoid}. A "
                + "control that is a jpo train: {command: train, config: sft.yaml, <train keys>}; it is then evaluated by an "
                + "eval-only jpo run (rounds: 0) of its final model. Required.") JsonNode recipes,
        @Key(value = "{}", doc = "Overrides applied to every recipe before its own (e.g. {rounds: 3}).") JsonNode overrides,
        @Key(doc = "The recipe the others are compared against; null = the first.") Optional<String> baseline) {

    public static final Binder<SweepConfig> BINDER = new Binder<>(SweepConfig.class, "sweep", "jpo sweep --print-defaults");

    public SweepConfig {
        if (!base.isTextual() && !base.isObject()) throw new ConfigError("base", "base must be a jpo run config file or a mapping, got " + base);
        if (seeds.isEmpty()) throw new ConfigError("seeds", "seeds must list at least one seed");
        if (new HashSet<>(seeds).size() != seeds.size()) throw new ConfigError("seeds", "seeds repeat a seed: " + seeds);
        if (!recipes.isObject() || recipes.isEmpty()) {
            throw new ConfigError("recipes", "recipes must map names to overrides, e.g. {rpo: {}, dpo: {train.loss_type: sigmoid}}");
        }
        if (!overrides.isObject()) throw new ConfigError("overrides", "overrides must be a mapping of jpo run keys, got " + overrides);
        for (var e : (Iterable<Map.Entry<String, JsonNode>>) recipes::fields) {
            if (!e.getKey().matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
                throw new ConfigError("recipes", "recipe name '" + e.getKey() + "' must be letters, digits, '_', '-' or '.' (it names a directory)");
            }
            if (!e.getValue().isObject()) throw new ConfigError("recipes", "recipe " + e.getKey() + ": expected a mapping of overrides, got " + e.getValue());
        }
        if (baseline.isPresent() && !recipes.has(baseline.get())) {
            throw new ConfigError("baseline", "baseline " + baseline.get() + " is not a recipe (recipes: " + names(recipes) + ")");
        }
    }

    public static SweepConfig load(Path yaml, List<String> overrides) { return BINDER.load(yaml, overrides); }

    public static String defaultsYaml() {
        return BINDER.defaultsYaml("jpo sweep file: every key with its meaning. The keys, the recipe override syntax and the layout\n"
                + "OUT/<recipe>/seed-<s>/ are a contract.");
    }

    public String toYaml() { return BINDER.toYaml(this, "jpo sweep, resolved: what ran (jpo compare reads baseline and recipes)."); }

    /** The recipe names, in the file's order. */
    public List<String> recipeNames() { return names(recipes); }

    private static List<String> names(JsonNode recipes) {
        List<String> names = new ArrayList<>();
        recipes.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
