package dev.terrain.ops.worker;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.terrain.actors.PipelineSettings.ProbeSpec;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.run.RunFactory;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models a worker has built, one per run, least recently used evicted first (its NDManager closed):
 * building a model costs a settings parse, a network and the point sets, so it is done once per run and
 * not per snapshot, but a worker that sees many runs must not keep every one. Used by the worker's one
 * processing thread only.
 */
final class RunModels implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunModels.class);

    /** A run's model on its own manager, with the probes the worker runs on it. */
    record RunModel(String config, RunSettings settings, NDManager manager, Trainer trainer, List<ProbeSpec> probes) {}

    private final int capacity;
    private final Map<String, String> overrides;
    private final LinkedHashMap<String, RunModel> models = new LinkedHashMap<>(16, 0.75f, true);

    /**
     * @param capacity  runs whose model is kept
     * @param overrides the worker's own {@code -Dkey=value} settings, applied over every run's configuration
     */
    RunModels(int capacity, Map<String, String> overrides) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a worker keeps ≥ 1 model, got " + capacity);
        }
        this.capacity = capacity;
        this.overrides = Map.copyOf(overrides);
    }

    /**
     * The model of {@code runId} for configuration {@code config}, built on first use or when the run's
     * configuration changed (a resumed run may publish a new one).
     *
     * @throws dev.terrain.ops.config.UserError when the configuration with the worker's overrides is invalid
     */
    RunModel model(String runId, String config) {
        RunModel known = models.get(runId);
        if (known != null && known.config().equals(config)) {
            return known;
        }
        if (known != null) {
            close(models.remove(runId));
        }
        RunSettings settings = SettingsLoader.loadText(config, overrides, "the configuration of run " + runId, runId);
        NDManager manager = NDManager.newBaseManager(device(settings.device()));
        try {
            Trainer trainer = RunFactory.build(settings, manager);
            RunModel built = new RunModel(config, settings, manager, trainer, settings.pipeline().probes());
            models.put(runId, built);
            evict();
            LOG.info("built the model of run {} ({} {} loss, probes {})", runId, settings.problemId(), settings.loss(),
                    built.probes().stream().map(p -> p.name() + "/" + p.every()).toList());
            return built;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private void evict() {
        Iterator<Map.Entry<String, RunModel>> eldest = models.entrySet().iterator();
        while (models.size() > capacity && eldest.hasNext()) {
            Map.Entry<String, RunModel> e = eldest.next();
            eldest.remove();
            close(e.getValue());
            LOG.info("freed the model of run {} (a worker keeps {})", e.getKey(), capacity);
        }
    }

    /** The run's own device setting, falling back to the CPU when this machine has no GPU. */
    private static Device device(String setting) {
        return !setting.equals("cpu") && Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    int size() {
        return models.size();
    }

    private static void close(RunModel m) {
        m.manager().close();
    }

    @Override
    public void close() {
        models.values().forEach(RunModels::close);
        models.clear();
    }
}
