package dev.terrain.ops.cli;

import ai.djl.ndarray.NDManager;
import dev.terrain.model.tensor.MklDispatch;
import dev.terrain.model.tensor.Threads;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.run.Json;
import dev.terrain.ops.run.RunFactory;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code terrain bench train}: training steps per second of the 1D Poisson DGM and the Helmholtz
 * examples in float32 and float64, written as JSON under {@code bench/results/}. Timed after a
 * warm-up, with metrics off, in one process so the ratios are comparable. {@code bench probe}: the
 * probes' speed; {@code bench pipeline}: the trainer's speed in the actor pipeline with and without a
 * slow live probe ({@link PipelineBench}); {@code bench kafka}: snapshot publish latency ({@link KafkaBench}); {@code bench kafka-outage}: steps/s
 * while the Kafka cluster is down ({@link KafkaOutageBench}); {@code bench group}: a sweep's throughput on a
 * service group of 1, 2, 3 instances ({@link GroupBench}); {@code bench profile}: the training step's native time per
 * operator under libtorch's profiler ({@link ProfileBench}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks; writes JSON under bench/results/.")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "WHAT", description = "what to benchmark: train, probe, pipeline, kafka, kafka-outage, serve, compare, profile, rss or group")
    String what;

    @Option(names = "--steps", description = "timed steps per case; serve, group: steps per run (default ${DEFAULT-VALUE})")
    long steps = 1000;

    /**
     * The JVM compiles the step's Java side (DJL's wrappers, scopes, the jet code) over the first several
     * hundred steps: at 20x3x200 float32 a step takes 1.9 ms at first, ~1.2 ms after 500 steps and ~0.85 ms
     * from about 700 on. Every tool of {@code bench compare} gets the same untimed steps.
     */
    @Option(names = "--warmup", description = "untimed steps first, for the JIT to compile the step (default ${DEFAULT-VALUE})")
    long warmup = 1000;

    @Option(names = "--examples", split = ",", description = "example files (default: poisson1d-dgm, helmholtz2d, bench/pytorch-baseline)")
    List<File> examples = List.of(home("examples/poisson1d-dgm.conf"), home("examples/helmholtz2d.conf"),
            home("bench/pytorch-baseline.conf"));

    @Option(names = "--threads", description = "libtorch intra-op threads (default: the setting `threads` of each example)")
    Integer threads;

    @Option(names = "--rounds", description = "pipeline: rounds of the alternating cases (default ${DEFAULT-VALUE})")
    int rounds = 3;

    @Option(names = "--minutes", description = "serve, rss: length of the soak (default ${DEFAULT-VALUE})")
    double minutes = 60;

    @Option(names = "--cases", split = ",", description = "compare, profile: WIDTHxDEPTHxBATCH:DTYPE workloads (default ${DEFAULT-VALUE})")
    List<String> workloads = List.of("50x3x1000:float32", "50x3x1000:float64", "20x3x200:float32", "20x3x200:float64");

    @Option(names = "--thread-counts", split = ",", description = "compare: intra-op thread counts, both tools measured "
            + "at each (default ${DEFAULT-VALUE}; --threads N measures N only)")
    List<Integer> threadCounts = List.of(1, 2);

    @Option(names = "--profile-steps", description = "profile: steps run under libtorch's profiler, and unprofiled "
            + "before them for the reference rate (default ${DEFAULT-VALUE}; the trace grows ~0.2 MB per step)")
    long profileSteps = 100;

    @Option(names = "--python", description = "compare: a python3 that imports torch (default: Debian's /usr/bin/python3)")
    String python;

    @Option(names = "--baseline-malloc", description = "compare: the PyTorch baseline's glibc malloc settings: user "
            + "(glibc's defaults, as a user runs it) or terrain (the launcher's MALLOC_* values) (default ${DEFAULT-VALUE})")
    String baselineMalloc = "user";

    @Option(names = "--device", description = "compare, profile: cpu or gpu (Terrain's device = gpu, the baseline's --device cuda; "
            + "default ${DEFAULT-VALUE})")
    String device = "cpu";

    @Option(names = "--instances", split = ",", description = "group: service group sizes, each measured on its own "
            + "(default ${DEFAULT-VALUE})")
    List<Integer> instances = List.of(1, 2, 3);

    @Option(names = "--runs", description = "group: runs in the sweep, network.seed = 1..N (default ${DEFAULT-VALUE})")
    int runs = 12;

    @Option(names = "--base", description = "group: the sweep's base run file; rss: the run file (default examples/poisson1d-dgm.conf)")
    File base = home("examples/poisson1d-dgm.conf");

    @Option(names = "--partitions", description = "group: partitions of terrain.runs, serve.partitions (default ${DEFAULT-VALUE})")
    int partitions = 12;

    @Option(names = "--session-timeout", description = "group: serve.sessionTimeout in seconds (default ${DEFAULT-VALUE})")
    int sessionTimeout = 6;

    @Option(names = "--logs", description = "group: the instances' logs go to LOGS/<timestamp>/<n>i/ (default target/bench-group)")
    Path logs = home("target/bench-group").toPath();

    @Option(names = "--out", description = "output directory (default ${DEFAULT-VALUE})")
    Path out = home("bench/results").toPath();

    /** An example's settings with the benchmark's overrides; applies its thread count. */
    static RunSettings load(File example, Integer threads, Map<String, String> extra) {
        Map<String, String> overrides = new LinkedHashMap<>(extra);
        if (threads != null) {
            overrides.put("threads", threads.toString());
        }
        RunSettings s = SettingsLoader.load(example, overrides);
        Threads.set(s.threads());
        return s;
    }

    /** A path in the Terrain checkout (the launcher passes it as terrain.home), else relative to here. */
    static File home(String relative) {
        return new File(System.getProperty("terrain.home", "."), relative);
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!List.of("train", "probe", "pipeline", "kafka", "kafka-outage", "serve", "compare", "profile", "rss", "group")
                .contains(what)) {
            throw new UserError("unknown benchmark '" + what + "'; valid: train, probe, pipeline, kafka, kafka-outage, serve, compare, "
                    + "profile, rss, group");
        }
        if (!(minutes > 0)) {
            throw new UserError("--minutes must be positive");
        }
        if (steps < 1 || warmup < 0) {
            throw new UserError("--steps must be at least 1 and --warmup not negative");
        }
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        List<Map<String, Object>> cases = new ArrayList<>();
        Map<String, Object> extra = new LinkedHashMap<>();
        if (what.equals("group")) {
            if (instances.isEmpty() || instances.stream().anyMatch(n -> n < 1) || runs < 1 || partitions < 1) {
                throw new UserError("--instances, --runs and --partitions must be at least 1");
            }
            if (sessionTimeout < 6 || sessionTimeout > 300) {
                throw new UserError("--session-timeout must be 6 to 300 seconds (the broker's group.min/max.session.timeout.ms)");
            }
            if (!base.isFile()) {
                throw new UserError("--base " + base + ": no such file");
            }
            cases.addAll(GroupBench.run(new GroupBench.Settings(base.toPath(), instances, runs, steps, partitions,
                    java.time.Duration.ofSeconds(sessionTimeout), logs), stamp));
            extra.put("machine", GroupBench.machine());
            extra.put("note", GroupBench.NOTE);
        } else if (what.equals("rss")) {
            cases.add(RssBench.run(base, minutes, 30));
        } else if (what.equals("compare")) {
            CompareBench.Case.checkDevice(device);
            if (!List.of("user", "terrain").contains(baselineMalloc)) {
                throw new UserError("--baseline-malloc '" + baselineMalloc + "': valid: user, terrain");
            }
            String py = CompareBench.python(python, device);
            if (py == null) {
                System.out.println(device.equals("gpu")
                        ? "no python3 whose torch sees a GPU (--python with a CUDA build of torch): measuring Terrain only"
                        : "no python3 with torch (apt-get install python3-torch): measuring Terrain only");
            } else if (CompareBench.debianBlas().contains("/blas/")) {
                System.out.println("warning: libblas.so.3 is the reference BLAS (" + CompareBench.debianBlas() + "); PyTorch's"
                        + " matmul is ~15x slower on it than on OpenBLAS: apt-get install libopenblas0-pthread");
            }
            List<Integer> counts = threads == null ? threadCounts : List.of(threads);
            if (counts.isEmpty() || counts.stream().anyMatch(n -> n < 1)) {
                throw new UserError("--thread-counts: " + counts + " must be positive thread counts, e.g. 1,2");
            }
            for (String c : workloads) {
                cases.add(CompareBench.run(CompareBench.Case.parse(c).on(device), rounds, steps, warmup, counts, py,
                        baselineMalloc.equals("terrain")));
            }
        } else if (what.equals("profile")) {
            if (profileSteps < 1) {
                throw new UserError("--profile-steps must be at least 1");
            }
            Files.createDirectories(out);
            for (String c : workloads) {
                CompareBench.Case parsed = CompareBench.Case.parse(c).on(device);
                Path trace = out.resolve("profile-" + stamp + "-" + parsed.name().replace(':', '-') + ".trace.json");
                cases.add(ProfileBench.run(home("bench/pytorch-baseline.conf"), parsed, profileSteps, warmup, threads == null ? 1 : threads, trace));
            }
            extra.put("note", "self time per operator under libtorch's profiler, which inflates small operators; "
                    + "compare shares, and the unprofiled us/step of the same run");
        } else if (what.equals("serve")) {
            // Short runs back to back: --steps per run (the default 1000 would be one run per few seconds).
            cases.add(ServeSoakBench.run(home("examples/poisson1d-dgm.conf").toPath(), minutes, 60, steps));
        } else if (what.equals("kafka-outage")) {
            cases.add(KafkaOutageBench.run(home("examples/poisson1d-dgm.conf"), steps, rounds, threads));
        } else if (what.equals("kafka")) {
            cases.add(KafkaBench.run(home("examples/poisson1d-dgm.conf"), steps, 10, threads));
        } else if (what.equals("pipeline")) {
            cases.add(PipelineBench.run(home("examples/poisson1d-dgm.conf"), steps, rounds, threads));
        } else if (what.equals("probe")) {
            cases.add(ProbeBench.roughness(home("examples/poisson1d-dgm.conf"), threads));
            cases.add(ProbeBench.lanczos(home("examples/helmholtz2d.conf"), threads));
        } else {
            for (File example : examples) {
                for (String dtype : List.of("float32", "float64")) {
                    cases.add(measure(example, dtype));
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", what);
        result.put("date", LocalDateTime.now().toString());
        result.put("cores", Runtime.getRuntime().availableProcessors());
        result.put("threads", Threads.get());
        result.put("mkl_dispatch", MklDispatch.describe());
        result.put("cases", cases);
        result.putAll(extra);
        Files.createDirectories(out);
        Path file = out.resolve(what + "-" + stamp + ".json");
        Json.MAPPER.writeValue(file.toFile(), result);
        System.out.println("wrote " + file);
        return 0;
    }

    private Map<String, Object> measure(File example, String dtype) {
        RunSettings s = load(example, threads, Map.of("train.dtype", dtype));
        try (NDManager manager = NDManager.newBaseManager()) {
            Trainer trainer = RunFactory.build(s, manager);
            for (long i = 0; i < warmup; i++) {
                trainer.train(false);
            }
            trainer.relativeL2(); // forces the queued native work of the warm-up to finish
            long t0 = System.nanoTime();
            for (long i = 0; i < steps; i++) {
                trainer.train(false);
            }
            double loss = trainer.evaluate().total();
            double sec = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("example", example.getName());
            c.put("problem", s.problemId());
            c.put("dtype", dtype);
            c.put("parameters", trainer.objective().network().parameters().count());
            c.put("threads", Threads.get());
            c.put("steps", steps);
            c.put("seconds", sec);
            c.put("steps_per_s", steps / sec);
            c.put("final_loss", loss);
            System.out.printf(Locale.ROOT, "%-24s %-8s %8.1f steps/s%n", example.getName(), dtype, steps / sec);
            return c;
        }
    }
}
