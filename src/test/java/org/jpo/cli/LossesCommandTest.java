package org.jpo.cli;

import org.jpo.loss.LossType;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class LossesCommandTest {
    @Test void listsEveryLossWithKindAndArxivId() {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = Main.run("losses");
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, code);
        List<String> lines = Arrays.asList(buf.toString(StandardCharsets.UTF_8).split("\n"));
        assertTrue(lines.get(0).matches("name +kind +formula +paper"), lines.get(0));
        for (String name : List.of("sigmoid", "cdpo", "robust", "hinge", "ipo", "exo_pair", "nca_pair", "bco_pair",
                "sppo_hard", "sppo", "aot", "aot_unpaired", "apo_zero", "apo_down", "discopop", "sigmoid_norm", "dpop",
                "rdpo", "simpo", "cpo", "orpo", "sft", "kto", "apo_zero_unpaired", "grpo", "dr_grpo", "rloo", "pro", "lipo", "mpo")) {
            LossType t = LossType.parse(name);
            String row = lines.stream().filter(l -> l.startsWith(name + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for " + name));
            assertTrue(row.contains("arXiv:" + t.arxiv), row);
            assertTrue(row.contains(" " + t.kind.label + " "), row);
        }
        assertEquals(1 + LossType.values().length, lines.stream().filter(l -> l.contains("arXiv:") || l.startsWith("name ")).count());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("ipo ") && l.contains("2310.12036") && l.contains("1/(2β)")));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("kto ") && l.contains(" unpaired ") && l.contains("2402.01306")));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("pro ") && l.contains(" list ") && l.contains("2306.17492") && l.contains("Plackett–Luce")));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("lipo ") && l.contains(" list ") && l.contains("2402.01878") && l.contains("Δ_ij")));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("mpo ") && l.contains(" list ") && l.contains("2412.04628")
                && l.contains("w_k = exp(α·|ψ_k − ψ̄|)")));
    }
}
