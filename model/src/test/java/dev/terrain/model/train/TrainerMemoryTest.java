package dev.terrain.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.terrain.model.jet.Activation;
import dev.terrain.model.nn.Initializer;
import dev.terrain.model.nn.Network;
import dev.terrain.model.nn.NetworkSpec;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.optim.Adam;
import dev.terrain.model.optim.Schedule;
import dev.terrain.model.problem.Catalogue;
import dev.terrain.model.problem.LossKind;
import dev.terrain.model.quad.Rule;
import dev.terrain.model.tensor.Scalars;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Nothing a step allocates outlives it: the run manager holds the same arrays after 20 and after 220 steps,
 * also when the batch is evaluated in parts on several threads ({@code train.shards}; here the two sets are
 * dealt out whole to two parts).
 */
class TrainerMemoryTest {
    @ParameterizedTest
    @CsvSource({"false, 1", "true, 1", "false, 2", "true, 2", "true, 3"})
    void managedArraysDoNotGrowWithSteps(boolean resample, int shards) {
        try (NDManager m = NDManager.newBaseManager()) {
            Scalars c = new Scalars(m, DataType.FLOAT32);
            Parameters params = new Parameters(m, DataType.FLOAT32);
            Network net = new NetworkSpec("mlp", 0, 0, List.of(8, 8), Activation.TANH, 0.1, Initializer.GLOROT_NORMAL,
                    List.of(), false, null).build(params, 2, 1, 3);
            Objective obj = new Objective(Catalogue.byId("poisson").create(Map.of("dim", 2, "hardBoundary", false)),
                    LossKind.RESIDUAL, net, Map.of(), c);
            Trainer t = new Trainer(obj, new Adam(new Schedule.Constant(1e-3), 0.9, 0.999, 1e-8),
                    Map.of("interior", new SetSampling(Rule.MONTE_CARLO, 64), "boundary", new SetSampling(Rule.MONTE_CARLO, 32)),
                    resample, 5, 100, m).withShards(shards);
            for (int i = 0; i < 20; i++) {
                t.train(i % 7 == 0);
            }
            t.evaluate();
            int after20 = ((BaseNDManager) m).getManagedArrays().size();
            for (int i = 0; i < 200; i++) {
                t.train(i % 7 == 0);
            }
            t.evaluate();
            assertThat(((BaseNDManager) m).getManagedArrays()).hasSize(after20);
        }
    }
}
