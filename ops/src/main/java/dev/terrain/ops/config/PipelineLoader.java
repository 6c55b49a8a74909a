package dev.terrain.ops.config;

import static dev.terrain.ops.config.SettingsLoader.named;
import static dev.terrain.ops.config.SettingsLoader.nonNegative;
import static dev.terrain.ops.config.SettingsLoader.positive;
import static dev.terrain.ops.config.SettingsLoader.positiveLong;

import com.typesafe.config.Config;
import dev.terrain.actors.PipelineSettings.Backoff;
import dev.terrain.actors.PipelineSettings.ProbeSpec;
import dev.terrain.actors.Probes;
import dev.terrain.model.probe.Directions.BiasMode;
import dev.terrain.model.probe.GradientStatisticsSettings;
import dev.terrain.model.probe.HessianSettings;
import dev.terrain.model.probe.LossSurface;
import dev.terrain.model.probe.RoughnessIndex;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the {@code pipeline} and {@code probes} blocks (see reference.conf) into {@link RunSettings.Pipeline},
 * and the output blocks {@code kafka} and {@code prometheus}.
 */
final class PipelineLoader {
    private PipelineLoader() {}

    static RunSettings.Pipeline read(Config c) {
        Config p = c.getConfig("pipeline");
        long snapshotEvery = positiveLong(p, "snapshotEvery", "pipeline.snapshotEvery");
        List<ProbeSpec> probes = probes(c.getConfig("probes"), snapshotEvery);
        return new RunSettings.Pipeline(snapshotEvery, positive(p, "sampleAhead", "pipeline.sampleAhead"),
                positive(p, "snapshotBuffer", "pipeline.snapshotBuffer"), duration(p, "timeout", "pipeline.timeout"),
                backoff(p.getConfig("trainerRestart"), "pipeline.trainerRestart"),
                backoff(p.getConfig("restart"), "pipeline.restart"), probes);
    }

    static RunSettings.Kafka kafka(Config k) {
        String bootstrap = k.getString("bootstrap").trim();
        for (String server : bootstrap.isEmpty() ? new String[0] : bootstrap.split(",")) {
            if (!server.trim().matches("[A-Za-z0-9._-]+:\\d{1,5}")) {
                throw new UserError("kafka.bootstrap: expected host:port[,host:port...], got '" + bootstrap + "'");
            }
        }
        return new RunSettings.Kafka(k.getBoolean("enabled"), bootstrap, port(k, "port", "kafka.port"),
                k.getString("dataDir"), positive(k, "partitions", "kafka.partitions"), positive(k, "buffer", "kafka.buffer"));
    }

    static RunSettings.Prometheus prometheus(Config p) {
        String host = p.getString("host").trim();
        if (host.isEmpty()) {
            throw new UserError("prometheus.host must not be empty (127.0.0.1, 0.0.0.0 or a host name)");
        }
        return new RunSettings.Prometheus(p.getBoolean("enabled"), host, port(p, "port", "prometheus.port"));
    }

    private static int port(Config c, String key, String path) {
        int port = nonNegative(c, key, path);
        if (port > 65535) {
            throw new UserError(path + " must be a TCP port (0-65535), got " + port);
        }
        return port;
    }

    private static Backoff backoff(Config b, String path) {
        Duration min = duration(b, "minBackoff", path + ".minBackoff");
        Duration max = duration(b, "maxBackoff", path + ".maxBackoff");
        if (max.compareTo(min) < 0) {
            throw new UserError(path + ".maxBackoff (" + max + ") must not be below minBackoff (" + min + ")");
        }
        double random = b.getDouble("randomFactor");
        if (!(random >= 0 && random <= 1)) {
            throw new UserError(path + ".randomFactor must be in [0, 1], got " + random);
        }
        return new Backoff(min, max, random, nonNegative(b, "maxRestarts", path + ".maxRestarts"));
    }

    private static Duration duration(Config c, String key, String path) {
        Duration d = named(path, () -> {
            try {
                return c.getDuration(key);
            } catch (com.typesafe.config.ConfigException e) {
                throw new IllegalArgumentException("expected a duration such as 200ms, 10s or 5m, got '"
                        + c.getValue(key).unwrapped() + "'");
            }
        });
        if (d.isNegative() || d.isZero()) {
            throw new UserError(path + " must be positive, got " + d);
        }
        return d;
    }

    private static List<ProbeSpec> probes(Config p, long snapshotEvery) {
        List<ProbeSpec> out = new ArrayList<>();
        long maxElements = positiveLong(p, "maxBatchElements", "probes.maxBatchElements");
        Config ri = p.getConfig("roughness");
        if (ri.getBoolean("enabled")) {
            out.add(spec("roughness", ri, snapshotEvery, Probes.roughness(named("probes.roughness",
                    () -> new RoughnessIndex.Settings(ri.getInt("directions"), ri.getInt("intervals"),
                            ri.getDouble("halfWidth"), ri.getLong("seed"), bias(ri, "probes.roughness"), Set.of())), maxElements)));
        }
        Config s = p.getConfig("surface");
        if (s.getBoolean("enabled")) {
            out.add(spec("surface", s, snapshotEvery, Probes.surface(named("probes.surface",
                    () -> new LossSurface.Settings(positive(s, "n1", "probes.surface.n1"), positive(s, "n2", "probes.surface.n2"),
                            s.getDouble("span"), s.getLong("seed"), bias(s, "probes.surface"))), maxElements)));
        }
        Config h = p.getConfig("hessian");
        if (h.getBoolean("enabled")) {
            int k = positive(h, "k", "probes.hessian.k");
            out.add(spec("hessian", h, snapshotEvery, Probes.hessian(named("probes.hessian",
                    () -> HessianSettings.defaults(k).withSeed(h.getLong("seed"))))));
        }
        Config g = p.getConfig("gradients");
        if (g.getBoolean("enabled")) {
            out.add(spec("gradients", g, snapshotEvery, Probes.gradients(named("probes.gradients",
                    () -> new GradientStatisticsSettings(positive(g, "bins", "probes.gradients.bins"), g.getDouble("min"),
                            g.getDouble("max"))))));
        }
        return out;
    }

    private static ProbeSpec spec(String name, Config c, long snapshotEvery, dev.terrain.actors.Probe probe) {
        long every = positiveLong(c, "every", "probes." + name + ".every");
        if (every % snapshotEvery != 0) {
            throw new UserError("probes." + name + ".every = " + every + " must be a multiple of pipeline.snapshotEvery = "
                    + snapshotEvery);
        }
        return new ProbeSpec(name, every, probe);
    }

    private static BiasMode bias(Config c, String path) {
        return named(path + ".bias", () -> BiasMode.byId(c.getString("bias")));
    }
}
