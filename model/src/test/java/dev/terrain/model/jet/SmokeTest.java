package dev.terrain.model.jet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void engineLoadsOffline() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new double[] {1, 2, 3});
            assertThat(a.sum().getDouble()).isEqualTo(6.0);
            assertThat(m.getEngine().getEngineName()).isEqualTo("PyTorch");
        }
    }
}
