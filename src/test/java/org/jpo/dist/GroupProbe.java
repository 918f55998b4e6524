package org.jpo.dist;

import org.bytedeco.pytorch.Tensor;
import org.jpo.UserError;

import java.time.Duration;
import java.util.Arrays;

import static org.jpo.tensor.Tensors.*;

/**
 * A rank of {@link GroupTest}, in its own JVM: joins the group from the environment, allreduces and broadcasts and
 * prints what it got; exit 2 with the error line on a {@link UserError}, as the CLI does.
 */
public final class GroupProbe {
    public static void main(String[] args) {
        World w = World.from(System.getenv());
        try {
            Group g = Group.join(w, Duration.ofSeconds(Long.parseLong(args[0])));
            Tensor t = floats(new float[] {w.rank() + 1, 10f * (w.rank() + 1)}, 2);
            g.allreduceMean(t, "the test's allreduce");
            Tensor b = floats(new float[] {w.rank() + 7}, 1);
            g.broadcast(b, 0, "the test's broadcast");
            System.out.println("rank " + w.rank() + " mean " + Arrays.toString(toFloats(t)) + " broadcast " + Arrays.toString(toFloats(b)));
            System.exit(0);
        } catch (UserError e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}
