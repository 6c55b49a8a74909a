package dev.terrain.actors;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunListenersTest {
    @Test
    void aFailingOutputNeverKeepsARecordFromTheOthers() {
        TestRuns.Collect first = new TestRuns.Collect();
        TestRuns.Collect last = new TestRuns.Collect();
        RunListener broken = new RunListener() {
            @Override
            public void metrics(MetricsRecord record) {
                throw new IllegalStateException("disk full");
            }

            @Override
            public void landscape(LandscapeRecord record) {
                throw new IllegalStateException("disk full");
            }

            @Override
            public void event(RunEvent event) {
                throw new IllegalStateException("disk full");
            }
        };
        RunListener all = RunListeners.of(List.of(first, broken, last));
        for (long step = 0; step < 3; step++) {
            all.metrics(new MetricsRecord(step, Map.of("pde", 1.0), 1.0, Double.NaN, null, step, 0.1 * step));
            all.landscape(new LandscapeRecord("r", step, "roughness", Map.of("ri", 0.5), 1, 0, 0, null));
            all.event(RunEvent.of("r", "started", step, ""));
        }
        assertThat(first.metrics).hasSize(3);
        assertThat(last.metrics).extracting(MetricsRecord::step).containsExactly(0L, 1L, 2L);
        assertThat(last.landscape).hasSize(3);
        assertThat(last.events).hasSize(3);
    }
}
