package dev.terrain.ops.cli;

import dev.terrain.model.tensor.Threads;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.run.Devices;
import dev.terrain.ops.run.ProgressSink;
import dev.terrain.ops.run.TrainingRun;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code terrain bench rss}: one long training run through the actor pipeline with every probe on (RI,
 * loss surface, Hessian, gradient statistics), Kafka and Prometheus as in a default run, for
 * {@code minutes}; the process's RSS is sampled every {@code sampleSeconds}. A run that holds no
 * NDArray past its step keeps RSS within ±5 % of the post-warm-up median (warm-up: the first fifth).
 */
final class RssBench {
    private RssBench() {}

    static Map<String, Object> run(File example, double minutes, int sampleSeconds) throws IOException, InterruptedException {
        Path root = Files.createTempDirectory("terrain-rss");
        Map<String, String> o = new LinkedHashMap<>();
        o.put("run.dir", root.toString());
        o.put("run.id", "rss");
        o.put("train.steps", "100000000");
        o.put("train.printEvery", "100000000");
        o.put("checkpoint.every", "5000");
        o.put("prometheus.port", "0");
        o.put("kafka.port", "0");
        o.put("probes.roughness.every", "1000");
        o.put("probes.surface.enabled", "true");
        o.put("probes.surface.every", "2000");
        o.put("probes.hessian.enabled", "true");
        o.put("probes.hessian.every", "2000");
        o.put("probes.gradients.enabled", "true");
        o.put("probes.gradients.every", "1000");
        RunSettings s = SettingsLoader.load(example, o);
        // As ./terrain train does: the run's `threads`. Without it libtorch and MKL run their default (one
        // thread per core), which with the probes on two cores more than filled them.
        Threads.set(s.threads());
        TrainingRun run = new TrainingRun(s, ProgressSink.NONE);
        CompletableFuture<Path> done = CompletableFuture.supplyAsync(() -> run.run(Devices.of(s.device())));
        List<Map<String, Object>> samples = new ArrayList<>();
        long t0 = System.nanoTime();
        long end = t0 + (long) (minutes * 60e9);
        while (System.nanoTime() < end && !done.isDone()) {
            Map<String, Object> sample = new LinkedHashMap<>();
            sample.put("minute", (System.nanoTime() - t0) / 60e9);
            sample.putAll(MemorySample.take());
            sample.put("step", lastStep(root.resolve("rss")));
            samples.add(sample);
            System.out.printf(Locale.ROOT, "%6.1f min  RSS %7.1f MiB  step %d%n", sample.get("minute"), sample.get("rss_mib"),
                    sample.get("step"));
            try {
                done.get(sampleSeconds, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException next) {
                // the next sample
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("the run failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
        run.stop();
        try {
            done.get(5, TimeUnit.MINUTES);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the run did not stop: " + e, e);
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("case", "training-rss");
        c.put("example", example.getName());
        c.put("minutes", minutes);
        c.put("probes", "roughness every 1000, surface 2000, hessian 2000, gradients 1000");
        c.put("malloc", MallocSettings.current());
        ServeSoakBench.rssSpread(samples, c);
        c.put("samples", samples);
        c.put("run_dir", root.resolve("rss").toString());
        return c;
    }

    private static long lastStep(Path dir) {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(dir.resolve("metrics.jsonl").toFile(), "r")) {
            long len = f.length();
            long from = Math.max(0, len - 4096);
            byte[] tail = new byte[(int) (len - from)];
            f.seek(from);
            f.readFully(tail);
            String[] lines = new String(tail, java.nio.charset.StandardCharsets.UTF_8).strip().split("\n");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"step\":(\\d+)").matcher(lines[lines.length - 1]);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
