package dev.terrain.ops.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.StateSet;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Terrain's Prometheus metrics (SPEC 5), every one labelled with the run so that the runs of one process
 * (several under {@code serve}) stay apart on the dashboard. A metric name can be registered only once per
 * registry, so {@link #of} hands every caller with the same registry the same instance; the JVM's own
 * metrics come along with it. {@link PrometheusRunListener} fills the run metrics; Kafka's counters are
 * read from the publisher at scrape time ({@link #kafkaPublisher}).
 */
public final class TerrainMetrics {
    /** Values of {@code terrain_run_state}: running after started/resumed, then the status the run ended with. */
    static final String[] STATES = {"running", "completed", "interrupted", "diverged", "failed"};

    private static final Map<PrometheusRegistry, TerrainMetrics> REGISTERED =
            Collections.synchronizedMap(new WeakHashMap<>());

    final Gauge loss;
    final Counter steps;
    final Gauge stepsPerSecond;
    final Gauge relL2;
    final Counter evaluations;
    final Gauge lossWeight;
    final Gauge roughness;
    final Gauge hessianTop;
    final Gauge probeLag;
    final Gauge probeSeconds;
    final Counter probeFailures;
    final Counter snapshotsDropped;
    final Counter snapshotsPublished;
    final Counter events;
    final StateSet state;

    private final Map<String, KafkaSource> kafka = new ConcurrentHashMap<>();

    private record KafkaSource(LongSupplier errors, LongSupplier dropped) {}

    private TerrainMetrics(PrometheusRegistry registry) {
        loss = Gauge.builder().name("terrain_train_loss")
                .help("Loss on the monitor batch at the last reported step, per term (term=\"total\": the weighted sum)")
                .labelNames("run", "term").register(registry);
        steps = Counter.builder().name("terrain_train_steps_total")
                .help("Training step reached (a resumed run starts at its checkpoint's step)")
                .labelNames("run").register(registry);
        stepsPerSecond = Gauge.builder().name("terrain_train_steps_per_second")
                .help("Training throughput between the last two metrics records")
                .labelNames("run").register(registry);
        relL2 = Gauge.builder().name("terrain_rel_l2_error")
                .help("Relative L2 error against the exact solution (NaN when the problem has none)")
                .labelNames("run").register(registry);
        evaluations = Counter.builder().name("terrain_train_evaluations_total")
                .help("Loss-and-gradient evaluations of the training method")
                .labelNames("run").register(registry);
        lossWeight = Gauge.builder().name("terrain_loss_weight")
                .help("Annealed weight of a loss term (absent without annealing)")
                .labelNames("run", "term").register(registry);
        roughness = Gauge.builder().name("terrain_roughness_index")
                .help("Roughness Index RI = std(T)/mean(T) of the last roughness probe")
                .labelNames("run").register(registry);
        hessianTop = Gauge.builder().name("terrain_hessian_top_eigenvalue")
                .help("Largest Hessian eigenvalue (Lanczos) of the last hessian probe")
                .labelNames("run").register(registry);
        probeLag = Gauge.builder().name("terrain_probe_lag_steps")
                .help("Steps the trainer had gone past a probe's snapshot when its result came back")
                .labelNames("run", "probe").register(registry);
        probeSeconds = Gauge.builder().name("terrain_probe_seconds")
                .help("Wall time of the probe's last run")
                .labelNames("run", "probe").register(registry);
        probeFailures = Counter.builder().name("terrain_probe_failures_total")
                .help("Probe runs that failed or timed out")
                .labelNames("run", "probe").register(registry);
        snapshotsDropped = Counter.builder().name("terrain_snapshots_dropped_total")
                .help("Snapshots a probe skipped because it was still busy (conflation)")
                .labelNames("run", "probe").register(registry);
        snapshotsPublished = Counter.builder().name("terrain_snapshots_published_total")
                .help("Parameter snapshots the trainer published to the probes")
                .labelNames("run").register(registry);
        events = Counter.builder().name("terrain_run_events_total")
                .help("Run events (events.jsonl) by type")
                .labelNames("run", "type").register(registry);
        state = StateSet.builder().name("terrain_run_state")
                .help("Where the run is: running, or the status it ended with")
                .labelNames("run").states(STATES).register(registry);
        CounterWithCallback.builder().name("terrain_kafka_publish_errors_total")
                .help("Records the Kafka producer failed to send")
                .labelNames("run")
                .callback(cb -> kafka.forEach((run, s) -> cb.call(s.errors().getAsLong(), run)))
                .register(registry);
        CounterWithCallback.builder().name("terrain_kafka_records_dropped_total")
                .help("Records dropped before Kafka because the publisher's buffer was full")
                .labelNames("run")
                .callback(cb -> kafka.forEach((run, s) -> cb.call(s.dropped().getAsLong(), run)))
                .register(registry);
        JvmMetrics.builder().register(registry);
    }

    /**
     * The metrics registered in {@code registry}, registering them (and the JVM metrics) on first use.
     * Registering twice would fail on the duplicate names, hence one instance per registry.
     */
    public static TerrainMetrics of(PrometheusRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (REGISTERED) {
            return REGISTERED.computeIfAbsent(registry, TerrainMetrics::new);
        }
    }

    /** A listener that exports the results of run {@code run} (one listener per run). */
    public PrometheusRunListener listener(String run) {
        return new PrometheusRunListener(this, run);
    }

    /**
     * Exports a Kafka publisher's counters under {@code run}: {@code errors} and {@code dropped} must be
     * monotonic totals (e.g. {@code KafkaPublisher::errors}, {@code ::dropped}); they are read at every scrape,
     * so the publisher is never called from the training path. Registering a run again replaces its source.
     * A publisher shared by several runs registers once, under the label its dashboard users should select.
     */
    public void kafkaPublisher(String run, LongSupplier errors, LongSupplier dropped) {
        kafka.put(Objects.requireNonNull(run, "run"),
                new KafkaSource(Objects.requireNonNull(errors, "errors"), Objects.requireNonNull(dropped, "dropped")));
    }

    /** Removes every series of {@code run}, e.g. when {@code serve} forgets a finished run. */
    public void forget(String run) {
        for (var metric : new io.prometheus.metrics.core.metrics.StatefulMetric<?, ?>[] {loss, steps, stepsPerSecond,
                relL2, evaluations, lossWeight, roughness, hessianTop, probeLag, probeSeconds, probeFailures,
                snapshotsDropped, snapshotsPublished, events, state}) {
            metric.removeIf(labels -> labels.get(0).equals(run));
        }
        kafka.remove(run);
    }
}
