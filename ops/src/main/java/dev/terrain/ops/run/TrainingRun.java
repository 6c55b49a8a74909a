package dev.terrain.ops.run;

import ai.djl.ndarray.NDManager;
import dev.terrain.model.nn.Param;
import dev.terrain.model.nn.Parameters;
import dev.terrain.model.train.StepReport;
import dev.terrain.model.train.Trainer;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.UserError;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training run from validated settings: builds the model (all input errors surface before the
 * run directory exists), then trains, logging metrics every {@code train.logEvery} steps and writing
 * {@code summary.json} (status completed, failed or interrupted) and the final {@code parameters.json}.
 * SIGTERM or Ctrl-C stops it after the current step with a checkpoint and an {@code interrupted} summary,
 * so {@code ./terrain resume} continues it.
 */
public final class TrainingRun {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    private final RunSettings settings;
    private final ProgressSink progress;
    private volatile boolean stopRequested;

    public TrainingRun(RunSettings settings, ProgressSink progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** Runs to completion and returns the run directory. */
    public Path run(NDManager manager) {
        Trainer trainer = RunFactory.build(settings, manager);
        RunDirectory dir = RunDirectory.create(Path.of(settings.runDir()), settings.runId(), settings.renderedConfig());
        // config.conf holds exactly the rendered settings: hash them without reading the file back.
        return train(trainer, dir, null, Checkpoints.configHash(settings.renderedConfig()));
    }

    /**
     * Continues the run in {@code runDir} from its newest good checkpoint (a truncated or corrupt newest
     * one is skipped with a warning) up to {@code train.steps}; metrics are appended.
     */
    public Path resume(NDManager manager, Path runDir) {
        Trainer trainer = RunFactory.build(settings, manager);
        Checkpoints store = new Checkpoints(runDir, settings.checkpoint().keep());
        Checkpoints.Loaded loaded = store.newest().orElseThrow(() -> new UserError("run " + runDir
                + " has no checkpoint to resume from (checkpoint.every was 0 and it did not finish?)"));
        Checkpoint c = loaded.checkpoint();
        String hash = configHash(runDir);
        if (!hash.equals(c.configHash())) {
            throw new UserError(loaded.file() + " was written with another configuration than " + runDir.resolve("config.conf"));
        }
        if (c.step() >= settings.train().steps()) {
            throw new UserError("run " + runDir + " is at step " + c.step() + " already; raise train.steps (e.g. -Dtrain.steps="
                    + (2 * c.step()) + ") to continue it");
        }
        try {
            trainer.objective().network().parameters().load(c.parameters());
            trainer.method().restore(c.optimizer());
            if (trainer.annealing() != null && c.annealing() != null) {
                trainer.annealing().restore(trainer.objective(), c.annealing());
            }
            trainer.skipTo(c.step());
        } catch (IllegalArgumentException e) {
            throw new UserError(loaded.file() + " does not fit this run: " + e.getMessage(), e);
        }
        return train(trainer, RunDirectory.reopen(runDir), loaded, hash);
    }

    private static String configHash(Path runDir) {
        try {
            return Checkpoints.configHash(java.nio.file.Files.readString(runDir.resolve("config.conf")));
        } catch (java.io.IOException e) {
            throw new UserError("cannot read " + runDir.resolve("config.conf") + ": " + e.getMessage());
        }
    }

    private Path train(Trainer trainer, RunDirectory opened, Checkpoints.Loaded resumedFrom, String hash) {
        try (RunDirectory dir = opened) {
            Checkpoints store = new Checkpoints(dir.path(), settings.checkpoint().keep());
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("run_id", settings.runId());
            summary.put("problem", settings.problemId());
            summary.put("loss", trainer.objective().kind().id());
            summary.put("optimizer", trainer.method().id());
            summary.put("parameters", trainer.objective().network().parameters().count());
            summary.put("dtype", settings.train().dtype());
            summary.put("started_at", Instant.now().toString());
            if (resumedFrom != null) {
                summary.put("resumed_from_step", resumedFrom.checkpoint().step());
                summary.put("resumed_from", resumedFrom.file().getFileName().toString());
                if (!resumedFrom.skipped().isEmpty()) {
                    summary.put("skipped_checkpoints", resumedFrom.skipped());
                }
            }
            long start = System.nanoTime();
            long first = trainer.step();
            CountDownLatch done = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                // SIGTERM / Ctrl-C: let the loop finish its step, checkpoint and write the summary.
                stopRequested = true;
                try {
                    done.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "terrain-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                StepReport last = loop(trainer, dir, start, store, hash, resumedFrom == null);
                if (stopRequested && trainer.step() < settings.train().steps()) {
                    LOG.info("stop requested: checkpointing step {} and exiting", trainer.step());
                    finite(trainer.evaluate());
                    store.write(checkpoint(trainer, hash));
                    summary.put("status", "interrupted");
                    summary.put("steps", trainer.step());
                    summary.put("wall_s", (System.nanoTime() - start) / 1e9);
                    dir.writeJson("summary.json", summary);
                    return dir.path();
                }
                double wall = (System.nanoTime() - start) / 1e9;
                summary.put("status", "completed");
                summary.put("steps", trainer.step());
                summary.put("terms", last.terms());
                summary.put("total", last.total());
                summary.put("rel_l2", Double.isNaN(last.relL2()) ? null : last.relL2());
                summary.put("wall_s", wall);
                summary.put("steps_per_s", (trainer.step() - first) / wall);
                summary.put("evaluations", trainer.method().evaluations());
                if (trainer.annealing() != null) {
                    summary.put("weights", new LinkedHashMap<>(trainer.objective().weights()));
                }
                dir.writeJson("parameters.json", parameters(trainer.objective().network().parameters()));
                store.write(checkpoint(trainer, hash));
                dir.writeJson("summary.json", summary);
                return dir.path();
            } catch (RuntimeException e) {
                summary.put("status", "failed");
                summary.put("steps", trainer.step());
                summary.put("error", String.valueOf(e.getMessage()));
                dir.writeJson("summary.json", summary);
                throw e;
            } finally {
                done.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running; it returns now that done is counted down
                }
                progress.finished();
            }
        }
    }

    private StepReport loop(Trainer trainer, RunDirectory dir, long start, Checkpoints store, String hash,
            boolean fresh) {
        long steps = settings.train().steps();
        long logEvery = settings.train().logEvery();
        long checkpointEvery = settings.checkpoint().every();
        if (fresh) {
            dir.metrics(record(trainer, trainer.evaluate(), start));
        }
        StepReport last = null;
        while (trainer.step() < steps && !stopRequested) {
            trainer.train(false);
            long saveEvery = settings.train().saveEvery();
            if (saveEvery > 0 && trainer.step() % saveEvery == 0 && trainer.step() < steps) {
                dir.writeJson(snapshotName(trainer.step()), parameters(trainer.objective().network().parameters()));
            }
            if (trainer.step() % logEvery == 0 || trainer.step() == steps) {
                last = finite(trainer.evaluate());
                dir.metrics(record(trainer, last, start));
                progress.progress(last, steps, (System.nanoTime() - start) / 1e9);
            }
            // After the loss check: a checkpoint never holds a diverged state.
            if (checkpointEvery > 0 && trainer.step() % checkpointEvery == 0 && trainer.step() < steps) {
                if (last == null || last.step() != trainer.step()) {
                    finite(trainer.evaluate());
                }
                store.write(checkpoint(trainer, hash));
            }
        }
        return last;
    }

    private static StepReport finite(StepReport r) {
        if (!Double.isFinite(r.total())) {
            throw new IllegalStateException("loss became " + r.total() + " at step " + r.step()
                    + "; lower optimizer.lr or use float64 (the last checkpoint is kept)");
        }
        return r;
    }

    private Checkpoint checkpoint(Trainer trainer, String hash) {
        Map<String, Double> weights = trainer.annealing() == null ? null
                : trainer.annealing().state(trainer.objective());
        return new Checkpoint(Checkpoint.FORMAT, settings.runId(), trainer.step(), hash,
                trainer.objective().network().parameters().toFlat(), trainer.method().state(), weights);
    }

    private static Map<String, Object> record(Trainer trainer, StepReport r, long start) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", r.step());
        m.put("terms", r.terms());
        m.put("total", r.total());
        m.put("rel_l2", Double.isNaN(r.relL2()) ? null : r.relL2());
        if (trainer.annealing() != null) {
            m.put("weights", new LinkedHashMap<>(trainer.objective().weights()));
        }
        m.put("evaluations", trainer.method().evaluations());
        m.put("wall_s", (System.nanoTime() - start) / 1e9);
        return m;
    }

    /** Relative path of the parameter snapshot written at {@code step}. */
    public static String snapshotName(long step) {
        return String.format(java.util.Locale.ROOT, "parameters/step-%09d.json", step);
    }

    static Map<String, Object> parameters(Parameters params) {
        List<Map<String, Object>> list = new ArrayList<>();
        double[] flat = params.toFlat();
        int at = 0;
        for (Param p : params.list()) {
            int n = Math.toIntExact(p.size());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("shape", p.array().getShape().getShape());
            m.put("values", java.util.Arrays.copyOfRange(flat, at, at + n));
            at += n;
            list.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("dtype", params.dataType().toString());
        out.put("count", params.count());
        out.put("tensors", list);
        return out;
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
