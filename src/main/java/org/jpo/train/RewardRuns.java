package org.jpo.train;

import org.jpo.data.Datasets;
import org.jpo.data.PairExample;
import org.jpo.loss.BradleyTerry;
import org.jpo.model.Checkpoints;
import org.jpo.model.RewardModel;
import org.jpo.model.Transformer;
import org.jpo.tokenizer.ChatTemplate;
import org.jpo.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.Optional;

/** method: reward — a reward model initialised from the policy model (or resumed from a checkpoint) on paired data. */
final class RewardRuns {
    private RewardRuns() {}

    static Run<PairExample> prepare(TrainConfig c, Tokenizer tok, Optional<ChatTemplate> t, Optional<Path> resumeFrom) {
        Runs.Split<PairExample> data = Runs.load(c, (file, split) -> Datasets.paired(file, tok, t, c.data(), Runs.rejects(c, split)));
        RewardModel model;
        if (resumeFrom.isPresent()) {
            model = RewardModel.load(resumeFrom.get());
        } else {
            try (Transformer base = Checkpoints.load(c.model())) {
                model = RewardModel.fromPolicy(base, c.seed());
            }
        }
        return Runs.run(c, data, new RewardObjective(model, new BradleyTerry(c.centerRewardsCoefficient())), false);
    }
}
