package org.jpo.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.jpo.UserError;
import org.jpo.io.RunDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The runs {@code jpo compare} compares, grouped by recipe. Each directory given is either
 * <ul>
 *   <li>a sweep directory ({@code sweep.yaml}): its recipes are its subdirectories holding {@code seed-<s>/} runs, in
 *       the sweep's order, and its {@code baseline} is the default baseline; or</li>
 *   <li>a {@code jpo run} directory ({@code rounds.jsonl}): one named {@code seed-<s>} belongs to the recipe its parent
 *       directory names, any other is a recipe of its own.</li>
 * </ul>
 * A run's seed is its config.resolved.yaml's {@code seed:}, so the runs of two recipes pair by the seed they ran with.
 * A sweep's run without rounds.jsonl has not finished its round 0 yet: it is counted and noted, not read.
 */
final class Recipes {
    static final Pattern SEED_DIR = Pattern.compile("seed-(-?\\d+)");
    static final String SWEEP = "sweep.yaml";
    private static final Pattern SEED_LINE = Pattern.compile("(?m)^seed:\\s*\"?(-?\\d+)\"?\\s*(#.*)?$");
    private static final Pattern ROUNDS_LINE = Pattern.compile("(?m)^rounds:\\s*(\\d{1,9})\\s*(#.*)?$");

    /** A finished run: its seed, its directory, its rounds.jsonl lines by round (round 0 = its starting policy). */
    record Run(long seed, Path dir, TreeMap<Integer, JsonNode> rounds, Costs costs) {
        int lastRound() { return rounds.lastKey(); }
    }

    /** A recipe: its finished runs in seed order, and the directories of runs that have not finished round 0 yet. */
    record Recipe(String name, List<Run> runs, List<Path> unfinished) {}

    final List<Recipe> recipes;
    final String baseline;
    /** What was skipped or looks wrong, for the terminal and the page; never a reason to stop. */
    final List<String> notes;

    private Recipes(List<Recipe> recipes, String baseline, List<String> notes) {
        this.recipes = recipes;
        this.baseline = baseline;
        this.notes = notes;
    }

    /**
     * Groups {@code dirs}; {@code baseline} (null: the first sweep's, else the first recipe) names the recipe the
     * others are compared to. A directory that is neither a sweep nor a run, an unknown baseline, two runs of one
     * recipe with one seed, or nothing finished at all is a {@link UserError}.
     */
    static Recipes of(List<Path> dirs, String baseline) {
        Map<String, List<Path>> byRecipe = new LinkedHashMap<>();
        String sweepBaseline = null;
        Set<Path> seen = new LinkedHashSet<>();
        for (Path d : dirs) {
            if (Files.isRegularFile(d.resolve(SWEEP))) {
                String b = readSweep(d, byRecipe);
                if (sweepBaseline == null) sweepBaseline = b;
            } else if (Files.isRegularFile(d.resolve(RunDir.ROUNDS))) {
                byRecipe.computeIfAbsent(recipeOf(d), k -> new ArrayList<>()).add(d);
            } else {
                if (!Files.isDirectory(d)) throw new UserError(d + ": not a directory");
                String recipeDir = seedDirs(d).isEmpty() ? "" : "; it holds seed-<s>/ runs: give those (" + d.resolve("seed-*") + ") or the sweep directory";
                throw new UserError(d + ": neither a sweep directory (" + SWEEP + ") nor a jpo run directory (" + RunDir.ROUNDS + ")" + recipeDir);
            }
        }
        List<String> notes = new ArrayList<>();
        List<Recipe> recipes = new ArrayList<>();
        byRecipe.forEach((name, runDirs) -> recipes.add(recipe(name, runDirs, seen, notes)));
        if (recipes.stream().allMatch(r -> r.runs().isEmpty())) {
            int unfinished = recipes.stream().mapToInt(r -> r.unfinished().size()).sum();
            throw new UserError("nothing to compare in " + dirs + ": no finished run (rounds.jsonl)" + (unfinished > 0 ? "; " + unfinished + " not finished yet" : ""));
        }
        List<String> names = recipes.stream().map(Recipe::name).toList();
        String chosen = baseline != null ? baseline : sweepBaseline != null ? sweepBaseline : names.get(0);
        if (!names.contains(chosen)) {
            throw new UserError((baseline != null ? "--baseline " : SWEEP + " baseline: ") + chosen + " is not a recipe here (recipes: "
                    + String.join(", ", names) + ")");
        }
        for (Recipe r : recipes) {
            if (r.runs().isEmpty()) notes.add(r.name() + ": no finished run yet" + (r.name().equals(chosen) ? ", so no differences to the baseline" : ""));
        }
        return new Recipes(List.copyOf(recipes), chosen, notes);
    }

    Recipe baseline() { return recipes.stream().filter(r -> r.name().equals(baseline)).findFirst().orElseThrow(); }

    /** A loose run's recipe: the parent's name for {@code seed-<s>}, else its own. */
    private static String recipeOf(Path runDir) {
        Path abs = runDir.toAbsolutePath().normalize();
        boolean seedDir = SEED_DIR.matcher(abs.getFileName() + "").matches() && abs.getParent() != null && abs.getParent().getFileName() != null;
        return (seedDir ? abs.getParent().getFileName() : abs.getFileName()) + "";
    }

    /** Adds the sweep's recipes' seed directories to {@code byRecipe}, in the sweep's order; returns its baseline (or null). */
    private static String readSweep(Path sweep, Map<String, List<Path>> byRecipe) {
        Path file = sweep.resolve(SWEEP);
        JsonNode yaml;
        try {
            yaml = new YAMLMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UserError(file + ": not valid YAML (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        List<String> order = new ArrayList<>();
        if (yaml != null && yaml.path("recipes").isObject()) yaml.path("recipes").fieldNames().forEachRemaining(order::add);
        for (Path d : list(sweep)) {
            String name = d.getFileName() + "";
            if (!order.contains(name) && !seedDirs(d).isEmpty()) order.add(name);   // a recipe the sweep file no longer lists
        }
        for (String name : order) byRecipe.computeIfAbsent(name, k -> new ArrayList<>()).addAll(seedDirs(sweep.resolve(name)));
        JsonNode b = yaml == null ? null : yaml.get("baseline");
        return b != null && b.isTextual() ? b.textValue() : null;
    }

    /** A recipe directory's {@code seed-<s>} subdirectories by seed ({@code train/} and anything else left alone). */
    private static List<Path> seedDirs(Path recipe) {
        return list(recipe).stream().filter(d -> SEED_DIR.matcher(d.getFileName() + "").matches())
                .sorted(Comparator.comparingLong(d -> dirSeed(d))).toList();
    }

    private static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Recipe recipe(String name, List<Path> dirs, Set<Path> seen, List<String> notes) {
        Map<Long, Run> bySeed = new TreeMap<>();
        List<Path> unfinished = new ArrayList<>();
        for (Path d : dirs) {
            if (!seen.add(d.toAbsolutePath().normalize())) continue;   // the same run given twice (a sweep and one of its runs)
            if (!Files.isRegularFile(d.resolve(RunDir.ROUNDS))) {
                unfinished.add(d);
                notes.add(name + ": " + d + " has no " + RunDir.ROUNDS + " yet (not finished); left out");
                continue;
            }
            RunView view = new RunView(d);
            view.notes.forEach(n -> notes.add(d + ": " + n));
            if (view.rounds.isEmpty()) {
                unfinished.add(d);
                notes.add(name + ": " + d + " has no readable round yet; left out");
                continue;
            }
            String config = Files.isRegularFile(d.resolve(RunDir.CONFIG)) ? RunDir.readText(d.resolve(RunDir.CONFIG)) : null;
            long seed = seed(d, config, notes);
            Matcher rounds = ROUNDS_LINE.matcher(config == null ? "" : config);
            if (rounds.find() && view.lastRound() < Long.parseLong(rounds.group(1))) {
                notes.add(d + ": round " + view.lastRound() + " of " + rounds.group(1) + " so far (still running, or stopped early); "
                        + "its final round is " + view.lastRound());
            }
            Run earlier = bySeed.get(seed);
            if (earlier != null) throw new UserError("recipe " + name + " has two runs of seed " + seed + ": " + earlier.dir() + " and " + d);
            bySeed.put(seed, new Run(seed, d, view.lines, Costs.recorded(d)));
        }
        return new Recipe(name, List.copyOf(bySeed.values()), List.copyOf(unfinished));
    }

    /** The run's {@code seed:} from its config.resolved.yaml ({@code config}); a {@code seed-<s>} directory's s when that file is missing. */
    private static long seed(Path runDir, String config, List<String> notes) {
        Long named = SEED_DIR.matcher(runDir.toAbsolutePath().normalize().getFileName() + "").matches() ? dirSeed(runDir) : null;
        if (config == null) {
            if (named != null) return named;
            throw new UserError(runDir + ": no " + RunDir.CONFIG + ", so its seed is unknown and it cannot be paired");
        }
        Matcher m = SEED_LINE.matcher(config);
        if (!m.find()) throw new UserError(runDir.resolve(RunDir.CONFIG) + ": no 'seed:' line, so the run's seed is unknown and it cannot be paired");
        long seed = parse(m.group(1), runDir.resolve(RunDir.CONFIG));
        if (named != null && named != seed) notes.add(runDir + ": the directory says seed " + named + ", " + RunDir.CONFIG + " says " + seed + "; paired as " + seed);
        return seed;
    }

    private static long dirSeed(Path seedDir) {
        Matcher m = SEED_DIR.matcher(seedDir.toAbsolutePath().normalize().getFileName() + "");
        if (!m.matches()) throw new IllegalArgumentException(seedDir + " is not a seed-<s> directory");
        return parse(m.group(1), seedDir);
    }

    private static long parse(String digits, Path where) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new UserError(where + ": seed " + digits + " is beyond a long");
        }
    }
}
