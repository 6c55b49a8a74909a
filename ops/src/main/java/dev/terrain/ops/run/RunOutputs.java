package dev.terrain.ops.run;

import dev.terrain.actors.RunListener;
import dev.terrain.actors.RunListeners;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.UserError;
import dev.terrain.streams.kafka.EmbeddedKafka;
import dev.terrain.streams.kafka.KafkaPublisher;
import dev.terrain.streams.kafka.Topics;
import java.nio.file.Path;
import java.time.Duration;
import dev.terrain.ops.metrics.MetricsServer;
import dev.terrain.ops.metrics.TerrainMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where runs report besides their directories: the Prometheus endpoint and the Kafka topics (on an
 * external cluster, or on a real broker started in-process). The CLI opens them for its one run
 * ({@link #open}) and closes them after it (publisher flushed, then the broker stopped), so a scrape or a
 * consumer sees the whole run; {@code ./terrain serve} opens them once for all its runs and hands each
 * run a view ({@link #forRun}) that does not close them. A busy port (another run on this machine) is
 * not an error: a free port is used instead and named on the console and in {@code summary.json}. With
 * Kafka on, each run's resolved configuration goes to {@code terrain.configs} once, before training, for
 * remote probe workers. An unreachable external cluster is a warning: records are buffered (bounded,
 * oldest dropped and counted) and published when it comes back.
 */
public final class RunOutputs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunOutputs.class);
    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(15);
    private final TerrainMetrics metrics;
    private final MetricsServer server;
    private final EmbeddedKafka broker;
    private final KafkaPublisher publisher;
    private final Map<String, Object> description = new LinkedHashMap<>();

    private RunOutputs(TerrainMetrics metrics, MetricsServer server, EmbeddedKafka broker, KafkaPublisher publisher,
            String bootstrap) {
        this.metrics = metrics;
        this.server = server;
        this.broker = broker;
        this.publisher = publisher;
        if (server != null) {
            description.put("prometheus", server.url());
        }
        if (publisher != null) {
            description.put("kafka", bootstrap);
            description.put("kafka_embedded", broker != null);
        }
    }

    /**
     * Opens the outputs {@code settings} ask for ({@code prometheus.*}, {@code kafka.*}); embedded broker
     * data goes under {@code run.dir}. Where each one listens is noted on {@code progress}.
     */
    public static RunOutputs open(RunSettings settings, ProgressSink progress) {
        TerrainMetrics metrics = null;
        MetricsServer server = null;
        if (settings.prometheus().enabled()) {
            PrometheusRegistry registry = new PrometheusRegistry();
            metrics = TerrainMetrics.of(registry);
            server = metricsServer(settings.prometheus(), registry);
            progress.note("metrics: " + server.url());
        }
        RunSettings.Kafka k = settings.kafka();
        if (!k.enabled()) {
            return new RunOutputs(metrics, server, null, null, null);
        }
        EmbeddedKafka broker = null;
        try {
            broker = k.embedded() ? broker(k, Path.of(settings.runDir()), settings.runId()) : null;
            String bootstrap = broker != null ? broker.bootstrap() : k.bootstrap();
            try {
                Topics.ensure(bootstrap, k.partitions(), TOPIC_TIMEOUT);
            } catch (IllegalStateException unreachable) {
                LOG.warn("Kafka at {} did not answer ({}); records are buffered (up to kafka.buffer = {}) until it does",
                        bootstrap, unreachable.getMessage(), k.buffer());
            }
            KafkaPublisher publisher = new KafkaPublisher(bootstrap, new KafkaPublisher.Settings(k.buffer(), CLOSE_TIMEOUT));
            progress.note("kafka: " + bootstrap + (broker != null ? " (embedded)" : "") + ", topics "
                    + String.join(", ", Topics.CREATED));
            return new RunOutputs(metrics, server, broker, publisher, bootstrap);
        } catch (RuntimeException e) {
            if (broker != null) {
                broker.close();
            }
            if (server != null) {
                server.close();
            }
            throw e instanceof org.apache.kafka.common.KafkaException
                    ? new UserError("kafka.bootstrap = '" + k.bootstrap() + "': " + e.getMessage(), e) : e;
        }
    }

    /** The embedded broker on kafka.port, or on a free port (and a data directory of its own) when busy. */
    private static EmbeddedKafka broker(RunSettings.Kafka k, Path runDir, String runId) {
        Path data = k.dataDir().isBlank() ? runDir.resolve(".kafka") : Path.of(k.dataDir());
        try {
            return EmbeddedKafka.start(k.port(), data);
        } catch (IllegalStateException busy) {
            if (k.port() == 0 && !k.dataDir().isBlank()) {
                throw busy;
            }
            // Another run's broker holds the port or the directory: this run gets a broker of its own.
            EmbeddedKafka own;
            try {
                own = EmbeddedKafka.start(0, runDir.resolve(".kafka-" + runId));
            } catch (RuntimeException e) {
                throw new UserError("cannot start the embedded Kafka broker (" + busy.getMessage() + "; then " + e.getMessage()
                        + "); set kafka.bootstrap to a running cluster or kafka.enabled = false", e);
            }
            LOG.warn("the embedded Kafka broker could not use {} and port {} ({}); this run's broker is at {}", data,
                    k.port(), busy.getMessage(), own.bootstrap());
            return own;
        }
    }

    private static MetricsServer metricsServer(RunSettings.Prometheus p, PrometheusRegistry registry) {
        try {
            return MetricsServer.start(p.host(), p.port(), registry);
        } catch (MetricsServer.MetricsServerException busy) {
            if (p.port() == 0) {
                throw new UserError(busy.getMessage(), busy);
            }
            MetricsServer server = MetricsServer.start(p.host(), 0, registry);
            LOG.warn("prometheus.port {} is busy (another run?); serving metrics on port {} instead", p.port(), server.port());
            return server;
        }
    }

    /** The view one run reports through; closing it leaves these outputs open. */
    public Run forRun(RunSettings settings) {
        return new Run(settings.runId(), settings.renderedConfig());
    }

    /** One run's listeners on these outputs. */
    public final class Run {
        private final String runId;
        private final String config;

        private Run(String runId, String config) {
            this.runId = runId;
            this.config = config;
            if (publisher != null && metrics != null) {
                metrics.kafkaPublisher(runId, publisher::errors, publisher::dropped);
            }
        }

        /** The run directory's listener together with every enabled output. */
        RunListener listener(RunListener files) {
            List<RunListener> all = new ArrayList<>();
            all.add(files);
            if (metrics != null) {
                all.add(metrics.listener(runId));
            }
            if (publisher != null) {
                // Publishes the configuration first thing, before the run's first snapshot.
                all.add(new KafkaRunListener(runId, publisher, config));
            }
            return RunListeners.of(all);
        }

        /** The endpoints, for summary.json. */
        Map<String, Object> describe() {
            return description;
        }
    }

    /**
     * Drops every Prometheus series of {@code runId} (a long-lived service forgets finished runs, or its
     * endpoint would grow with every run).
     */
    public void forget(String runId) {
        if (metrics != null) {
            metrics.forget(runId);
        }
    }

    /** The endpoints, e.g. for a service's health answer. */
    public Map<String, Object> describe() {
        return description;
    }

    /** Flushes and closes the publisher, then stops the embedded broker, then the metrics endpoint. */
    @Override
    public void close() {
        try {
            if (publisher != null) {
                publisher.close();
            }
        } finally {
            try {
                if (broker != null) {
                    broker.close();
                }
            } finally {
                if (server != null) {
                    server.close();
                }
            }
        }
    }
}
