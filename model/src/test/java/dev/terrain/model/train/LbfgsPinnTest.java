package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.optim.Lbfgs;
import dev.terrain.model.quad.Rule;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * L-BFGS with strong-Wolfe line search on a PINN: paper 000's 1D Poisson DGM problem (ResNet, one
 * block of width 4, swish, Simpson on 200 points) reaches a relative L2 error below 1e-4 within 10
 * L-BFGS steps, where Adam needs thousands of steps (PoissonTableIIITest trains 10 000).
 */
class LbfgsPinnTest {
    @Test
    void solvesThe1dPoissonPinnInAFewSteps() {
        try (NDManager m = NDManager.newBaseManager()) {
            Objective obj = Fixture.objective(m, "poisson", Map.of("dim", 1),
                    Fixture.spec("resnet", 4, 1, List.of(), Activation.SWISH, Initializer.GLOROT_NORMAL), 1);
            LbfgsMethod lbfgs = new LbfgsMethod(Lbfgs.Settings.defaults(), obj.network().parameters());
            Trainer t = Fixture.trainer(m, obj, lbfgs, Rule.SIMPSON, 200);
            double start = t.relativeL2();
            for (int i = 0; i < 10; i++) {
                t.train(false);
            }
            assertThat(start).isGreaterThan(0.1);
            assertThat(t.relativeL2()).as("rel-L2 after 10 L-BFGS steps").isLessThan(1e-4);
            assertThat(lbfgs.evaluations()).as("several evaluations per step").isGreaterThan(10);
            assertThat(lbfgs.iterations()).isLessThanOrEqualTo(10 * 20);
        }
    }
}
