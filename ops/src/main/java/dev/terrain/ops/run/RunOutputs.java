package dev.terrain.ops.run;

import dev.terrain.actors.RunListener;
import dev.terrain.actors.RunListeners;
import dev.terrain.ops.config.RunSettings;
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
 * Where a run reports besides its directory: the Prometheus endpoint (and, with Kafka, the topics).
 * Opened before the run and closed after it, so a scrape or a consumer sees the whole run. A busy port
 * (another run on this machine) is not an error: a free port is used instead and named on the console.
 */
final class RunOutputs implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunOutputs.class);
    private final String runId;
    private final TerrainMetrics metrics;
    private final MetricsServer server;
    private final Map<String, Object> description = new LinkedHashMap<>();

    private RunOutputs(String runId, TerrainMetrics metrics, MetricsServer server) {
        this.runId = runId;
        this.metrics = metrics;
        this.server = server;
        if (server != null) {
            description.put("prometheus", server.url());
        }
    }

    static RunOutputs open(RunSettings settings, ProgressSink progress) {
        RunSettings.Prometheus p = settings.prometheus();
        if (!p.enabled()) {
            return new RunOutputs(settings.runId(), null, null);
        }
        PrometheusRegistry registry = new PrometheusRegistry();
        TerrainMetrics metrics = TerrainMetrics.of(registry);
        MetricsServer server;
        try {
            server = MetricsServer.start(p.host(), p.port(), registry);
        } catch (MetricsServer.MetricsServerException busy) {
            if (p.port() == 0) {
                throw busy;
            }
            server = MetricsServer.start(p.host(), 0, registry);
            LOG.warn("prometheus.port {} is busy (another run?); serving metrics on port {} instead", p.port(), server.port());
        }
        progress.note("metrics: " + server.url());
        return new RunOutputs(settings.runId(), metrics, server);
    }

    /** The run directory's listener together with every enabled output. */
    RunListener listener(RunListener files) {
        List<RunListener> all = new ArrayList<>();
        all.add(files);
        if (metrics != null) {
            all.add(metrics.listener(runId));
        }
        return RunListeners.of(all);
    }

    /** The endpoints, for summary.json. */
    Map<String, Object> describe() {
        return description;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
