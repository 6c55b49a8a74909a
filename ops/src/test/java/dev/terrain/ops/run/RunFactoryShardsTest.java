package dev.terrain.ops.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import java.io.File;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code train.shards} reaches the trainer: the run file's example trains in 3 parts to the same losses as
 * in one piece (1e-10 relative over 30 Adam steps, float64; only the order of summation differs).
 */
class RunFactoryShardsTest {
    private static Trainer build(NDManager m, int shards) {
        RunSettings s = SettingsLoader.load(new File("../examples/poisson1d-dgm.conf"),
                Map.of("train.shards", String.valueOf(shards)));
        return RunFactory.build(s, m);
    }

    @Test
    void theSettingReachesTheTrainerAndKeepsTheLosses() {
        try (NDManager m = NDManager.newBaseManager()) {
            Trainer one = build(m, 1);
            Trainer three = build(m, 3);
            assertThat(one.shards()).isEqualTo(1);
            assertThat(three.shards()).isEqualTo(3);
            double first = one.evaluate().total();
            for (int i = 0; i < 30; i++) {
                one.train(false);
                three.train(false);
            }
            double a = one.evaluate().total();
            double b = three.evaluate().total();
            assertThat(a).as("the runs trained").isLessThan(0.9 * first);
            assertThat(b).isCloseTo(a, within(1e-10 * a));
        }
    }
}
