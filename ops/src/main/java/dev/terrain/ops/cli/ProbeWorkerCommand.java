package dev.terrain.ops.cli;

import dev.terrain.actors.LandscapeRecord;
import dev.terrain.actors.Probes;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.worker.ProbeWorker;
import dev.terrain.streams.kafka.Topics;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code terrain probe-worker --kafka host:port [--group NAME] [--id ID] [-Dkey=value ...]}: probes the
 * snapshots of every run publishing to that cluster, sharing them with the other workers of the group,
 * until SIGTERM or Ctrl-C. A broker that does not answer at start is a user error (exit 2): a worker that
 * waits silently for a mistyped address helps nobody. Once running, a broker outage is retried by the
 * Kafka clients (with their warnings in the log).
 */
@Command(name = "probe-worker", mixinStandardHelpOptions = true,
        description = "Run landscape probes on the snapshots that runs publish to Kafka, as one worker of a group.")
final class ProbeWorkerCommand implements Callable<Integer> {
    /** Partitions of the topics when this worker is the first to create them (kafka.partitions' default). */
    private static final int PARTITIONS = 3;

    @Option(names = "--kafka", required = true, paramLabel = "HOST:PORT", description = "the Kafka cluster the runs publish to")
    String kafka;

    @Option(names = "--group", paramLabel = "NAME", description = "consumer group sharing the snapshots (default ${DEFAULT-VALUE})")
    String group = "terrain-probe-workers";

    @Option(names = "--id", paramLabel = "ID", description = "this worker's name in its landscape records (default: host name-pid)")
    String id;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS",
            description = "how long Kafka may take to answer at start (default ${DEFAULT-VALUE})")
    int connectTimeout = 15;

    @Option(names = "-D", paramLabel = "KEY=VALUE",
            description = "override every run's settings, e.g. -Dprobes.hessian.enabled=true")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() throws InterruptedException {
        if (!kafka.trim().matches("[A-Za-z0-9._-]+:\\d{1,5}(,[A-Za-z0-9._-]+:\\d{1,5})*")) {
            throw new UserError("--kafka: expected host:port[,host:port...], got '" + kafka + "'");
        }
        // Unknown keys or badly typed values fail now, not on the first snapshot.
        SettingsLoader.checkOverrides(overrides);
        try {
            Topics.ensure(kafka, PARTITIONS, Duration.ofSeconds(Math.max(1, connectTimeout)));
        } catch (IllegalStateException unreachable) {
            throw new UserError("cannot reach Kafka: " + unreachable.getMessage(), unreachable);
        }
        String name = id != null ? id : defaultId();
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean shuttingDown = new AtomicBoolean();
        PrintStream out = System.out;
        ProbeWorker worker = new ProbeWorker(ProbeWorker.Settings.of(kafka, group, name, overrides),
                p -> out.println(line(p)));
        Thread hook = new Thread(() -> {
            // SIGTERM / Ctrl-C: finish the snapshot in hand, leave the group, free the models.
            shuttingDown.set(true);
            worker.close();
            stopped.countDown();
        }, "terrain-probe-worker-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("probe worker " + name + " in group " + group + " at " + kafka + "; Ctrl-C stops it");
        while (!stopped.await(1, TimeUnit.SECONDS)) {
            // The worker's thread ends on its own only after a failure it logged (e.g. results Kafka never acknowledged).
            if (!worker.alive() && !shuttingDown.get()) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException signalled) {
                    return 0;
                }
                worker.close();
                System.err.println("error: probe worker " + name + " stopped (see the log above)");
                return 1;
            }
        }
        return 0;
    }

    /** One console line per snapshot: run, step and each probe's headline figure. */
    static String line(ProbeWorker.Processed p) {
        List<String> parts = new ArrayList<>();
        for (LandscapeRecord r : p.records()) {
            if (r.error() != null) {
                parts.add(r.probe() + " failed: " + r.error());
                continue;
            }
            String key = Probes.headline(r.probe());
            Object v = key == null ? null : r.figures().get(key);
            parts.add(v instanceof Number n
                    ? String.format(Locale.ROOT, "%s %s %.4g (%.2f s)", r.probe(), key, n.doubleValue(), r.wallSeconds())
                    : String.format(Locale.ROOT, "%s (%.2f s)", r.probe(), r.wallSeconds()));
        }
        return "run " + p.runId() + " step " + p.step() + "  " + (parts.isEmpty() ? "no probe due" : String.join("  ", parts));
    }

    private static String defaultId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "worker";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
