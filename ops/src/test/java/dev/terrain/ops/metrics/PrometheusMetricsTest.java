package dev.terrain.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a run's records become on {@code /metrics}, read back over real HTTP from the text format. */
class PrometheusMetricsTest {
    private PrometheusRegistry registry;
    private TerrainMetrics metrics;
    private MetricsServer server;

    @BeforeEach
    void start() {
        registry = new PrometheusRegistry();
        metrics = TerrainMetrics.of(registry);
        server = MetricsServer.start("127.0.0.1", 0, registry);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void exportsEveryFigureOfARun() throws Exception {
        RunFeed.feed(metrics.listener("r1"), "r1");

        PrometheusText t = PrometheusText.scrape(server.port());

        assertThat(t.value("terrain_train_loss", "run", "r1", "term", "pde")).isEqualTo(0.125);
        assertThat(t.value("terrain_train_loss", "run", "r1", "term", "bc")).isEqualTo(0.0625);
        assertThat(t.value("terrain_train_loss", "run", "r1", "term", "total")).isEqualTo(0.1875);
        assertThat(t.value("terrain_train_steps_total", "run", "r1")).isEqualTo(RunFeed.LAST_STEP);
        assertThat(t.value("terrain_train_steps_per_second", "run", "r1")).isCloseTo(RunFeed.STEPS_PER_SECOND, within(1e-9));
        assertThat(t.value("terrain_rel_l2_error", "run", "r1")).isEqualTo(0.05);
        assertThat(t.value("terrain_train_evaluations_total", "run", "r1")).isEqualTo(300);
        assertThat(t.value("terrain_loss_weight", "run", "r1", "term", "bc")).isEqualTo(12.5);
        assertThat(t.value("terrain_loss_weight", "run", "r1", "term", "pde")).isEqualTo(1.0);
        assertThat(t.value("terrain_roughness_index", "run", "r1")).isEqualTo(RunFeed.LAST_RI);
        // The failed hessian run (no figures) leaves the last good eigenvalue in place.
        assertThat(t.value("terrain_hessian_top_eigenvalue", "run", "r1")).isEqualTo(RunFeed.LAMBDA_MAX);
        assertThat(t.value("terrain_probe_lag_steps", "run", "r1", "probe", "roughness")).isEqualTo(20);
        assertThat(t.value("terrain_probe_lag_steps", "run", "r1", "probe", "hessian")).isEqualTo(0);
        assertThat(t.value("terrain_probe_seconds", "run", "r1", "probe", "roughness")).isEqualTo(1.25);
        assertThat(t.value("terrain_probe_failures_total", "run", "r1", "probe", "hessian")).isEqualTo(1);
        assertThat(t.value("terrain_probe_failures_total", "run", "r1", "probe", "roughness")).isEqualTo(0);
        // skipped is a running total (2, then 5): the counter adds the differences, it does not sum 2 + 5.
        assertThat(t.value("terrain_snapshots_dropped_total", "run", "r1", "probe", "roughness")).isEqualTo(5);
        assertThat(t.value("terrain_snapshots_dropped_total", "run", "r1", "probe", "hessian")).isEqualTo(1);
        assertThat(t.value("terrain_snapshots_published_total", "run", "r1")).isEqualTo(3);
        assertThat(t.value("terrain_run_events_total", "run", "r1", "type", "probe-failed")).isEqualTo(1);
        assertThat(t.value("terrain_run_events_total", "run", "r1", "type", "started")).isEqualTo(1);
        assertThat(t.value("terrain_run_state", "run", "r1", "terrain_run_state", "completed")).isEqualTo(1);
        assertThat(t.value("terrain_run_state", "run", "r1", "terrain_run_state", "running")).isEqualTo(0);
        assertThat(t.value("jvm_memory_used_bytes", "area", "heap")).isPositive();
    }

    @Test
    void twoRunsInOneRegistryKeepTheirOwnSeries() throws Exception {
        assertThat(TerrainMetrics.of(registry)).isSameAs(metrics);
        PrometheusRunListener a = TerrainMetrics.of(registry).listener("a");
        PrometheusRunListener b = TerrainMetrics.of(registry).listener("b");
        a.metrics(RunFeed.metrics(10, 1.0, 2.0, 0.5, 1.0, 10, 1.0));
        b.metrics(RunFeed.metrics(40, 4.0, 8.0, 0.25, 1.0, 80, 1.0));
        a.metrics(RunFeed.metrics(20, 0.5, 1.0, 0.4, 1.0, 20, 2.0));

        PrometheusText t = PrometheusText.scrape(server.port());

        assertThat(t.value("terrain_train_steps_total", "run", "a")).isEqualTo(20);
        assertThat(t.value("terrain_train_steps_total", "run", "b")).isEqualTo(40);
        assertThat(t.value("terrain_train_loss", "run", "a", "term", "total")).isEqualTo(1.5);
        assertThat(t.value("terrain_train_loss", "run", "b", "term", "total")).isEqualTo(12.0);
        assertThat(t.value("terrain_train_evaluations_total", "run", "b")).isEqualTo(80);
        assertThat(t.value("terrain_train_steps_per_second", "run", "a")).isEqualTo(10.0);
        assertThat(t.first("terrain_train_steps_per_second", "run", "b")).as("one record gives no rate").isEmpty();

        metrics.forget("a");
        PrometheusText after = PrometheusText.scrape(server.port());
        assertThat(after.find("terrain_train_loss", "run", "a")).isEmpty();
        assertThat(after.value("terrain_train_steps_total", "run", "b")).isEqualTo(40);
    }

    @Test
    void aRunWithoutExactSolutionStillScrapes() throws Exception {
        PrometheusRunListener l = metrics.listener("no-exact");
        l.metrics(RunFeed.metrics(5, 0.5, 0.5, Double.NaN, 1.0, 5, 0.5));

        PrometheusText t = PrometheusText.scrape(server.port());

        assertThat(t.value("terrain_rel_l2_error", "run", "no-exact")).isNaN();
        assertThat(t.value("terrain_train_loss", "run", "no-exact", "term", "total")).isEqualTo(1.0);
        assertThat(t.value("terrain_train_steps_total", "run", "no-exact")).isEqualTo(5);
    }

    @Test
    void aRestartedTrainerSessionNeitherBreaksTheRateNorLowersCounters() throws Exception {
        PrometheusRunListener l = metrics.listener("restart");
        l.metrics(RunFeed.metrics(100, 1, 1, 0.1, 1, 100, 1.0));
        l.metrics(RunFeed.metrics(200, 1, 1, 0.1, 1, 200, 2.0));
        // The trainer restarted from a checkpoint: its wall clock and evaluation count start again.
        l.metrics(RunFeed.metrics(250, 1, 1, 0.1, 1, 30, 0.2));

        PrometheusText t = PrometheusText.scrape(server.port());

        assertThat(t.value("terrain_train_steps_per_second", "run", "restart")).isEqualTo(100.0);
        assertThat(t.value("terrain_train_steps_total", "run", "restart")).isEqualTo(250);
        assertThat(t.value("terrain_train_evaluations_total", "run", "restart")).isEqualTo(230);
    }

    @Test
    void kafkaCountersAreReadFromThePublisherAtScrapeTime() throws Exception {
        AtomicLong errors = new AtomicLong(2);
        AtomicLong dropped = new AtomicLong(7);
        metrics.kafkaPublisher("k", errors::get, dropped::get);
        assertThat(PrometheusText.scrape(server.port()).value("terrain_kafka_publish_errors_total", "run", "k"))
                .isEqualTo(2);

        errors.set(4);
        dropped.set(9);
        PrometheusText t = PrometheusText.scrape(server.port());

        assertThat(t.value("terrain_kafka_publish_errors_total", "run", "k")).isEqualTo(4);
        assertThat(t.value("terrain_kafka_records_dropped_total", "run", "k")).isEqualTo(9);
    }
}
