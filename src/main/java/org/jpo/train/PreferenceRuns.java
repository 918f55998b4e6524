package org.jpo.train;

import org.jpo.UserError;
import org.jpo.data.Datasets;
import org.jpo.data.PairExample;
import org.jpo.model.Checkpoints;
import org.jpo.model.PreferenceModel;
import org.jpo.model.Transformer;
import org.jpo.tokenizer.ChatTemplate;
import org.jpo.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * method: preference — a {@link PreferenceModel} initialised from the policy model (or resumed from a checkpoint) on
 * paired data, each pair read as prompt ⊕ chosen ⊕ s ⊕ rejected and the reverse. The separator s is the tokenizer's
 * BOS (else its EOS), which a completion's text does not encode to: the second completion starts where a new text would
 * (measured on the cyclic test set of PreferenceTrainingTest, seeds 1-5, EOS as the separator learns the cycle as well).
 */
final class PreferenceRuns {
    private PreferenceRuns() {}

    static Run<PairExample> prepare(TrainConfig c, Tokenizer tok, Optional<ChatTemplate> t, Optional<Path> resumeFrom) {
        Runs.Split<PairExample> data = Runs.load(c, (file, split) -> Datasets.paired(file, tok, t, c.data(), Runs.rejects(c, split)));
        PreferenceModel model;
        if (resumeFrom.isPresent()) {
            model = PreferenceModel.load(resumeFrom.get());
        } else {
            try (Transformer base = Checkpoints.load(c.model())) {
                model = PreferenceModel.fromPolicy(base, c.seed(), separator(tok));
            }
        }
        try {
            checkLengths(data.train(), model.config().contextLimit());
            checkLengths(data.eval(), model.config().contextLimit());
        } catch (UserError e) {
            model.close();
            throw e;
        }
        return Runs.run(c, data, new PreferenceObjective(model), false);
    }

    static int separator(Tokenizer tok) {
        return tok.bosId().orElseGet(() -> tok.eosId().orElseThrow(() -> new UserError("method preference joins two completions "
                + "with a separator token, the tokenizer's BOS or EOS, and this tokenizer has neither")));
    }

    /** Both completions and the prompt are one sequence, so a pair must fit the context window, which max_length alone does not ensure. */
    private static void checkLengths(List<PairExample> examples, int window) {
        for (PairExample e : examples) {
            int n = PreferenceModel.length(e.prompt(), e.chosen(), e.rejected());
            if (n > window) {
                throw new UserError(e.source() + ": prompt + chosen + separator + rejected is " + n + " tokens (" + e.prompt().length + " + "
                        + e.chosen().length + " + 1 + " + e.rejected().length + "), over the model's context window of " + window
                        + "; lower max_length (each completion is cut to max_length with its prompt)");
            }
        }
    }
}
