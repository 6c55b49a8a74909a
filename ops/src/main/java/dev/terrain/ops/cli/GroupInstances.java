package dev.terrain.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.sweep.ServiceClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code ./terrain serve} JVMs of one service group for {@link GroupBench}: the bench's own java and
 * classpath, one libtorch thread each, an HTTP port of their own choosing, their output in a log file
 * each (kept for a look afterwards).
 */
final class GroupInstances implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("serving on (http://\\S+)");
    /** A cold JVM loads libtorch and joins the group: tens of seconds on a busy 2-core machine. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    /** SIGTERM with nothing running: the instance leaves the group and exits in seconds. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(150);
    /** Heap of one instance; the runs' tensors live outside it. */
    private static final String HEAP = "-Xmx512m";

    /** One instance: its name, process, log and (once serving) its client. */
    record Instance(String name, Process process, Path log, ServiceClient client) {}

    private final List<Instance> instances = new ArrayList<>();
    private final Map<String, Integer> exitCodes = new LinkedHashMap<>();
    private boolean closed;
    /** Ctrl-C on the bench takes its instances along rather than leaving them serving. */
    private final Thread onExit = new Thread(() -> instances.forEach(i -> i.process().destroy()), "bench-group-stop");

    /** Starts {@code n} instances {@code i1..in} at once, then waits for every one to serve. */
    static GroupInstances start(int n, String bootstrap, String group, Path runDir, int partitions, Duration sessionTimeout,
            Path logs) throws IOException, InterruptedException {
        Files.createDirectories(logs);
        GroupInstances g = new GroupInstances();
        List<Process> started = new ArrayList<>();
        try {
            for (int i = 1; i <= n; i++) {
                started.add(process("i" + i, bootstrap, group, runDir, partitions, sessionTimeout, logs.resolve("i" + i + ".log")));
            }
            for (int i = 1; i <= n; i++) {
                Path log = logs.resolve("i" + i + ".log");
                g.instances.add(new Instance("i" + i, started.get(i - 1), log, new ServiceClient(awaitServing(started.get(i - 1), log))));
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            started.forEach(Process::destroyForcibly);
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(g.onExit);
        return g;
    }

    private static Process process(String name, String bootstrap, String group, Path runDir, int partitions,
            Duration sessionTimeout, Path log) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), HEAP, "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1"));
        // The launcher's -Dterrain.home lands in the settings' defaults (Typesafe Config reads system properties)
        // and so in every rendered run config: a service without it refuses those configs ("unknown setting 'home'").
        if (System.getProperty("terrain.home") != null) {
            cmd.add("-Dterrain.home=" + System.getProperty("terrain.home"));
        }
        cmd.addAll(List.of("dev.terrain.ops.cli.Main", "serve", "--kafka", bootstrap, "--group", group, "--instance", name,
                "-Drun.dir=" + runDir, "-Dprometheus.enabled=false", "-Dserve.port=0", "-Dserve.partitions=" + partitions,
                "-Dserve.sessionTimeout=" + sessionTimeout.toSeconds() + "s"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        // As ./terrain sets them, unless the caller's environment has its own.
        MallocSettings.LAUNCHER.forEach(pb.environment()::putIfAbsent);
        return pb.start();
    }

    private static String awaitServing(Process p, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && p.isAlive()) {
            Matcher m = SERVING.matcher(Files.readString(log));
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("a serve instance did not start within " + START_TIMEOUT.toSeconds() + " s"
                + (p.isAlive() ? "" : " (exit " + p.exitValue() + ")") + "; its log: " + log);
    }

    List<Instance> list() {
        return instances;
    }

    /**
     * Waits until every instance owns partitions and together they own all {@code partitions}.
     *
     * @return each instance's partitions, as its {@code GET /health} lists them
     */
    Map<String, List<Integer>> awaitSpread(int partitions) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            Map<String, List<Integer>> owned = new LinkedHashMap<>();
            int total = 0;
            boolean each = true;
            for (Instance i : instances) {
                List<Integer> ps = new ArrayList<>();
                for (JsonNode p : i.client().health().json().path("partitions")) {
                    ps.add(p.asInt());
                }
                owned.put(i.name(), ps);
                total += ps.size();
                each &= !ps.isEmpty();
            }
            if (each && total == partitions) {
                return owned;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the group's " + partitions + " partitions were not spread over its "
                        + instances.size() + " instances within " + START_TIMEOUT.toSeconds() + " s: " + owned);
            }
            Thread.sleep(200);
        }
    }

    /** The instances' exit codes after {@link #close()} (143 = SIGTERM taken as asked; -1 = killed). */
    Map<String, Integer> exitCodes() {
        return exitCodes;
    }

    /** SIGTERM to all, then waits for each; one that does not exit within the drain time is killed. Idempotent. */
    @Override
    public void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException exiting) {
            // the JVM is shutting down: the hook runs anyway
        }
        instances.forEach(i -> i.process().destroy());
        for (Instance i : instances) {
            if (i.process().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                exitCodes.put(i.name(), i.process().exitValue());
            } else {
                i.process().destroyForcibly().waitFor();
                exitCodes.put(i.name(), -1);
            }
        }
    }
}
