package org.jpo.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import org.jpo.UserError;
import org.jpo.io.Jsonl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The sweep file: its checks, and how a recipe becomes jpo run's key=value arguments. */
class SweepConfigTest {
    @TempDir Path tmp;

    private SweepConfig load(String yaml) throws Exception {
        return SweepConfig.load(Files.writeString(tmp.resolve("sweep.yaml"), yaml), List.of());
    }

    @Test void recipesKeepTheirOrderAndTheBaselineDefaultsToTheFirst() throws Exception {
        SweepConfig c = load("base: loop.yaml\noutput_dir: out\nseeds: [3, 1]\nrecipes:\n  zeta: {}\n  alpha: {pairs.strategy: best}\n");
        assertEquals(List.of("zeta", "alpha"), c.recipeNames());
        assertTrue(c.baseline().isEmpty(), "no baseline: jpo compare takes the first recipe");
        assertEquals(List.of(3L, 1L), c.seeds());
        assertEquals(tmp.resolve("out"), c.outputDir());
    }

    @Test void overridesAreJsonValuesWhichYamlReadsBack() throws Exception {
        JsonNode r = Jsonl.JSON.readTree("{\"train.loss_type\": [\"sigmoid\", \"sft\"], \"pairs.strategy\": \"best\", \"train.beta\": 0.5, "
                + "\"train.loss_weights\": null, \"policy\": \"starts/seed-${seed}/start\"}");
        Recipe.Loop l = (Recipe.Loop) Recipe.of("x", r, tmp);
        assertEquals(List.of("train.loss_type=[\"sigmoid\",\"sft\"]", "pairs.strategy=\"best\"", "train.beta=0.5", "train.loss_weights=null",
                "policy=\"starts/seed-${seed}/start\""), l.overrides());
        assertEquals("policy=\"starts/seed-7/start\"", Recipe.seeded(l.overrides(), 7).get(4));
    }

    @Test void aTrainControlNamesItsConfigRelativeToTheSweepFile() throws Exception {
        Recipe.Train t = (Recipe.Train) Recipe.of("gold", Jsonl.JSON.readTree("{\"command\": \"train\", \"config\": \"c/sft.yaml\", \"max_steps\": 9}"), tmp);
        assertEquals(tmp.resolve("c/sft.yaml").toString(), t.config());
        assertEquals(List.of("max_steps=9"), t.overrides());
        UserError e = assertThrows(UserError.class, () -> Recipe.of("g", Jsonl.JSON.readTree("{\"command\": \"run\"}"), tmp));
        assertTrue(e.getMessage().contains("recipe g: command: expected train"), e.getMessage());
        e = assertThrows(UserError.class, () -> Recipe.of("g", Jsonl.JSON.readTree("{\"command\": \"train\"}"), tmp));
        assertTrue(e.getMessage().contains("recipe g: command train needs config"), e.getMessage());
    }

    @Test void mistakesAreNamed() {
        String head = "base: loop.yaml\noutput_dir: out\n";
        assertMessage(head + "seeds: []\nrecipes: {a: {}}\n", "seeds must list at least one seed");
        assertMessage(head + "seeds: [1, 1]\nrecipes: {a: {}}\n", "seeds repeat a seed: [1, 1]");
        assertMessage(head + "seeds: [1]\nrecipes: {}\n", "recipes must map names to overrides");
        assertMessage(head + "seeds: [1]\nrecipes: {a/b: {}}\n", "recipe name 'a/b' must be");
        assertMessage(head + "seeds: [1]\nrecipes: {a: [x]}\n", "recipe a: expected a mapping of overrides");
        assertMessage(head + "seeds: [1]\nrecipes: {a: {}}\nbaseline: b\n", "baseline b is not a recipe (recipes: [a])");
        assertMessage(head + "seeds: [1]\nrecipes: {a: {}}\nseed: 3\n", "unknown key 'seed' in 'sweep'; did you mean 'seeds'?");
        assertMessage("output_dir: out\nseeds: [1]\nrecipes: {a: {}}\n", "base");
    }

    private void assertMessage(String yaml, String expected) {
        UserError e = assertThrows(UserError.class, () -> load(yaml));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
