package dev.terrain.ops.run;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.terrain.actors.Checkpoint;
import dev.terrain.actors.CheckpointStore;
import dev.terrain.actors.Checkpoints;
import dev.terrain.actors.LocalRun;
import dev.terrain.actors.MetricsRecord;
import dev.terrain.actors.PipelineSettings;
import dev.terrain.actors.RunHandle;
import dev.terrain.actors.RunHost;
import dev.terrain.actors.RunListener;
import dev.terrain.actors.RunListeners;
import dev.terrain.actors.RunOutcome;
import dev.terrain.actors.RunSpec;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.UserError;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run from validated settings, run by the actor pipeline ({@link LocalRun}): the model is
 * built once first so every input error surfaces before the run directory exists; then a
 * {@link dev.terrain.actors.RunSupervisor} trains, probes the landscape along the way and checkpoints,
 * while {@link RunFiles} writes {@code metrics.jsonl}, {@code landscape.jsonl} and {@code events.jsonl}.
 * At the end {@code summary.json} (status completed, interrupted, diverged or failed) and, when
 * completed, {@code parameters.json} are written. SIGTERM or Ctrl-C checkpoints and stops the run
 * ({@code interrupted}); {@code ./terrain resume} continues it.
 */
public final class TrainingRun {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    private final RunSettings settings;
    private final ProgressSink progress;
    private RunSpec.StepHook hook = RunSpec.StepHook.NONE;
    private RunHost host;
    private RunOutputs outputs;
    private RunListener observer;
    private boolean shutdownHook = true;
    private volatile RunHandle current;
    private volatile boolean stopRequested;
    private java.util.function.BooleanSupplier fence = () -> true;

    public TrainingRun(RunSettings settings, ProgressSink progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** Instruments every training step (tests inject faults with it). */
    public TrainingRun withStepHook(RunSpec.StepHook stepHook) {
        this.hook = stepHook;
        return this;
    }

    /**
     * Runs on {@code runHost} (a service's shared actor system) instead of an actor system of its own,
     * reports through {@code sharedOutputs} (left open at the end) instead of opening Prometheus and Kafka
     * for the run, tells {@code runObserver} everything the run directory is told, and leaves SIGTERM to
     * the caller (no JVM shutdown hook of the run's own).
     */
    public TrainingRun hosted(RunHost runHost, RunOutputs sharedOutputs, RunListener runObserver) {
        this.host = runHost;
        this.outputs = sharedOutputs;
        this.observer = runObserver;
        this.shutdownHook = false;
        return this;
    }

    /**
     * Makes the run write only while {@code owns} holds: it is asked before every checkpoint and before the
     * final files (summary, parameters, report). A service group uses it to fence a run whose ownership
     * moved to another instance (this one became a zombie): the zombie then writes nothing more to the
     * shared run directory. {@link #stop()} ends such a run.
     */
    public TrainingRun withFence(java.util.function.BooleanSupplier owns) {
        this.fence = owns;
        return this;
    }

    /** Whether the fence stopped this run from writing (another instance owns it now). */
    public boolean fenced() {
        return !fence.getAsBoolean();
    }

    /**
     * Asks the run to checkpoint where it is and stop (its outcome is then {@code interrupted}); before it
     * has started, it stops as soon as it does. Safe from any thread.
     */
    public void stop() {
        stopRequested = true;
        RunHandle run = current;
        if (run != null) {
            run.stop();
        }
    }

    /** Runs to completion and returns the run directory. */
    public Path run(Device device) {
        validate(device);
        RunDirectory dir = RunDirectory.create(Path.of(settings.runDir()), settings.runId(), settings.renderedConfig());
        // config.conf holds exactly the rendered settings: hash them without reading the file back.
        return train(dir, device, Checkpoints.configHash(settings.renderedConfig()));
    }

    /**
     * Continues the run in {@code runDir} from its newest good checkpoint (a truncated or corrupt newest
     * one is skipped with a warning) up to {@code train.steps}; metrics are appended.
     */
    public Path resume(Device device, Path runDir) {
        Checkpoints store = new Checkpoints(runDir, settings.checkpoint().keep());
        Checkpoints.Loaded loaded;
        try {
            loaded = store.newest().orElseThrow(() -> new UserError("run " + runDir
                    + " has no checkpoint to resume from (checkpoint.every was 0 and it did not finish?)"));
        } catch (Checkpoints.Unusable e) {
            throw new UserError(e.getMessage(), e);
        }
        Checkpoint c = loaded.checkpoint();
        String hash = configHash(runDir);
        if (!hash.equals(c.configHash())) {
            throw new UserError(loaded.file() + " was written with another configuration than " + runDir.resolve("config.conf"));
        }
        if (c.step() >= settings.train().steps()) {
            throw new UserError("run " + runDir + " is at step " + c.step() + " already; raise train.steps (e.g. -Dtrain.steps="
                    + (2 * c.step()) + ") to continue it");
        }
        // Building the model validates the settings too; then the checkpoint must fit it.
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Trainer trainer = RunFactory.build(settings, manager);
            trainer.objective().network().parameters().load(c.parameters());
            trainer.method().restore(c.optimizer());
        } catch (IllegalArgumentException e) {
            throw new UserError(loaded.file() + " does not fit this run: " + e.getMessage(), e);
        }
        return train(RunDirectory.reopen(runDir), device, hash);
    }

    /** Builds the model once, so a bad setting fails before anything is written. */
    public void validate(Device device) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            RunFactory.build(settings, manager);
        }
    }

    private static String configHash(Path runDir) {
        try {
            return Checkpoints.configHash(java.nio.file.Files.readString(runDir.resolve("config.conf")));
        } catch (java.io.IOException e) {
            throw new UserError("cannot read " + runDir.resolve("config.conf") + ": " + e.getMessage());
        }
    }

    private Path train(RunDirectory opened, Device device, String hash) {
        RunOutputs own = outputs == null ? RunOutputs.open(settings, progress) : null;
        try (RunDirectory dir = opened; RunOutputs closing = own) {
            RunOutputs.Run out = (own != null ? own : outputs).forRun(settings);
            CheckpointStore store = fenced(new Checkpoints(dir.path(), settings.checkpoint().keep()));
            RunListener files = new RunFiles(dir, progress, settings.train().steps());
            RunListener listener = out.listener(observer == null ? files : RunListeners.of(List.of(files, observer)));
            RunSpec spec = new RunSpec(settings.runId(), hash, manager -> RunFactory.build(settings, manager), device,
                    pipeline(), store, listener, hook, lastLoggedStep(dir.path()));
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("run_id", settings.runId());
            summary.put("problem", settings.problemId());
            summary.put("started_at", Instant.now().toString());
            long start = System.nanoTime();
            RunHandle run = host == null ? new LocalRun(spec) : host.launch(spec);
            current = run;
            if (stopRequested) {
                run.stop();
            }
            CountDownLatch done = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                // SIGTERM / Ctrl-C: the run checkpoints where it is and writes an interrupted summary.
                run.stop();
                try {
                    done.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "terrain-shutdown");
            if (shutdownHook) {
                Runtime.getRuntime().addShutdownHook(hook);
            }
            try {
                RunOutcome o = run.await();
                if (!fence.getAsBoolean()) {
                    LOG.warn("run {} is owned by another instance now: this one writes no summary or report", settings.runId());
                    return dir.path();
                }
                summarise(summary, o, (System.nanoTime() - start) / 1e9);
                if (!out.describe().isEmpty()) {
                    summary.put("outputs", out.describe());
                }
                if (o.completed()) {
                    dir.writeJson("parameters.json", RunRecords.parameters(o.parameters()));
                }
                dir.writeJson("summary.json", summary);
                report(dir.path());
                if (o.status().equals("diverged") || o.status().equals("failed")) {
                    throw new RunFailed("run " + settings.runId() + " " + o.status() + ": " + o.error());
                }
                return dir.path();
            } catch (RuntimeException e) {
                if (!summary.containsKey("status") && fence.getAsBoolean()) {
                    summary.put("status", "failed");
                    summary.put("error", String.valueOf(e.getMessage()));
                    dir.writeJson("summary.json", summary);
                    report(dir.path());
                }
                throw e;
            } finally {
                done.countDown();
                current = null;
                if (shutdownHook) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook is running; it returns now that done is counted down
                    }
                }
                progress.finished();
            }
        }
    }

    /** {@code store}, refusing to write once the fence no longer holds. */
    private CheckpointStore fenced(CheckpointStore store) {
        return new CheckpointStore() {
            @Override
            public String save(Checkpoint checkpoint) {
                if (!fence.getAsBoolean()) {
                    throw new IllegalStateException("run " + settings.runId() + " is owned by another instance now; "
                            + "the checkpoint at step " + checkpoint.step() + " is not written");
                }
                return store.save(checkpoint);
            }

            @Override
            public java.util.Optional<Loaded> latest() {
                return store.latest();
            }
        };
    }

    /** Writes the run's report; a report that cannot be written is a warning and leaves the run's outcome alone. */
    private void report(Path dir) {
        try {
            progress.note("report: " + dev.terrain.ops.report.RunReport.write(dir));
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("the report of run {} could not be written: {}", settings.runId(), e.toString());
        }
    }

    /** The step of the last line of {@code metrics.jsonl}, or -1 (a torn last line is ignored). */
    private static long lastLoggedStep(Path dir) {
        long last = -1;
        try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(dir.resolve("metrics.jsonl"))) {
            for (String line : (Iterable<String>) lines::iterator) {
                try {
                    last = Math.max(last, Json.MAPPER.readTree(line).path("step").asLong(last));
                } catch (java.io.IOException torn) {
                    LOG.warn("ignoring a torn line in {}: {}", dir.resolve("metrics.jsonl"), torn.getMessage());
                }
            }
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return -1;
        }
        return last;
    }

    private void summarise(Map<String, Object> summary, RunOutcome o, double wall) {
        summary.put("status", o.status());
        summary.put("loss", settings.loss());
        summary.put("optimizer", settings.optimizer().type());
        summary.put("dtype", settings.train().dtype());
        summary.put("steps", o.step());
        if (o.resumedFrom() != null) {
            summary.put("resumed_from_step", o.resumedFrom().checkpoint().step());
            summary.put("resumed_from", Path.of(o.resumedFrom().source()).getFileName().toString());
            if (!o.resumedFrom().skipped().isEmpty()) {
                summary.put("skipped_checkpoints", o.resumedFrom().skipped());
            }
        }
        if (o.parameters() != null) {
            summary.put("parameters", o.parameters().values().length);
        }
        MetricsRecord last = o.last();
        if (last != null) {
            summary.put("terms", last.terms());
            summary.put("total", Double.isFinite(last.total()) ? last.total() : String.valueOf(last.total()));
            summary.put("rel_l2", Double.isNaN(last.relL2()) ? null : last.relL2());
            if (last.weights() != null) {
                summary.put("weights", last.weights());
            }
        }
        summary.put("wall_s", wall);
        summary.put("steps_per_s", (o.step() - o.firstStep()) / wall);
        summary.put("evaluations", o.evaluations());
        if (o.error() != null) {
            summary.put("error", o.error());
        }
        Map<String, Object> pipeline = new LinkedHashMap<>();
        pipeline.put("snapshots", o.snapshots());
        pipeline.put("trainer_restarts", o.trainerRestarts());
        pipeline.put("probe_restarts", o.probeRestarts());
        pipeline.put("probe_failures", o.probeFailures());
        pipeline.put("probe_skipped", o.probeSkipped());
        summary.put("pipeline", pipeline);
    }

    /** Snapshots cost a host copy of θ and an evaluation: only when someone consumes them (probes, Kafka). */
    private boolean snapshotsWanted() {
        return !settings.pipeline().probes().isEmpty() || settings.kafka().enabled();
    }

    private PipelineSettings pipeline() {
        RunSettings.Pipeline p = settings.pipeline();
        return new PipelineSettings(settings.train().steps(), settings.train().logEvery(), settings.train().saveEvery(),
                settings.checkpoint().every(), snapshotsWanted() ? p.snapshotEvery() : 0, p.sampleAhead(),
                p.snapshotBuffer(), p.timeout(),
                p.trainerRestart(), p.restart(), settings.optimizer().type().equals("lsgd"), p.probes());
    }

    /** Relative path of the parameter snapshot written at {@code step}. */
    public static String snapshotName(long step) {
        return String.format(java.util.Locale.ROOT, "parameters/step-%09d.json", step);
    }

    /**
     * Reads a parameters file written by a run into {@code params}; every mismatch (names, shapes, count)
     * fails with a message naming the file and the tensor.
     */
    public static void loadParameters(Path file, Parameters params) {
        com.fasterxml.jackson.databind.JsonNode root;
        try {
            root = Json.MAPPER.readTree(file.toFile());
        } catch (java.io.IOException e) {
            throw new dev.terrain.ops.config.UserError("cannot read parameters " + file + ": " + e.getMessage());
        }
        com.fasterxml.jackson.databind.JsonNode tensors = root == null ? null : root.get("tensors");
        if (tensors == null || !tensors.isArray() || tensors.size() != params.list().size()) {
            throw new dev.terrain.ops.config.UserError(file + " does not match the network: it has "
                    + (tensors == null || !tensors.isArray() ? "no tensor list" : tensors.size() + " tensors")
                    + ", the network has " + params.list().size());
        }
        double[] flat = new double[Math.toIntExact(params.count())];
        int at = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Param p = params.list().get(i);
            com.fasterxml.jackson.databind.JsonNode t = tensors.get(i);
            com.fasterxml.jackson.databind.JsonNode values = t.get("values");
            String name = t.path("name").asText();
            if (!name.equals(p.name()) || values == null || values.size() != p.size()) {
                throw new dev.terrain.ops.config.UserError(file + ": tensor " + i + " is '" + name + "' with "
                        + (values == null ? 0 : values.size()) + " values; the network expects '" + p.name() + "' with "
                        + p.size());
            }
            for (com.fasterxml.jackson.databind.JsonNode v : values) {
                if (!v.isNumber()) {
                    throw new dev.terrain.ops.config.UserError(file + ": tensor '" + name + "' holds a non-number " + v);
                }
                flat[at++] = v.asDouble();
            }
        }
        params.load(flat);
    }
}
