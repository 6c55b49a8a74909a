package dev.terrain.ops.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.terrain.actors.Checkpoints;
import dev.terrain.actors.DurableFiles;
import dev.terrain.actors.MetricsRecord;
import dev.terrain.actors.RunHost;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.ServeSettings;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.run.Devices;
import dev.terrain.ops.run.Json;
import dev.terrain.ops.run.ProgressSink;
import dev.terrain.ops.run.RunFailed;
import dev.terrain.ops.run.RunOutputs;
import dev.terrain.ops.run.TrainingRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runs of {@code ./terrain serve}: a bounded queue in submission order, at most
 * {@code serve.concurrency} runs training at once (each on its own thread, all in the service's actor
 * system and reporting through its shared outputs), cancel, and SIGTERM drain.
 *
 * <p>Crash safety: every state change of a run is written to {@code <run.dir>/.service/<id>.json}
 * (temporary file, fsync, rename) before it is acted on, with the run's resolved configuration. A
 * service started on the same directory picks the runs up: queued ones are queued again in their order,
 * and ones that were running continue from their newest good checkpoint (their step count continues); a
 * run killed before its first checkpoint starts over, its partial directory moved to
 * {@code .service/discarded/} rather than deleted.
 */
public final class RunService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunService.class);
    private static final String STATE_DIR = ".service";

    /** Where a run is; the last four are final. */
    enum State {
        queued, running, completed, diverged, failed, cancelled, interrupted;

        boolean finished() {
            return this != queued && this != running;
        }
    }

    /** One run of the service; guarded by the service's lock. */
    private static final class Entry {
        final String id;
        final long seq;
        final String config;
        final String submittedAt;
        State state;
        String startedAt;
        String endedAt;
        String error;
        boolean cancelRequested;
        int starts;
        LiveStatus live;
        TrainingRun training;

        Entry(String id, long seq, String config, String submittedAt) {
            this.id = id;
            this.seq = seq;
            this.config = config;
            this.submittedAt = submittedAt;
            this.state = State.queued;
        }
    }

    private final ServeSettings settings;
    private final RunHost host;
    private final RunOutputs outputs;
    private final Path root;
    private final Path stateDir;
    private final ExecutorService workers;
    private final ScheduledExecutorService forgetting;
    private final Object lock = new Object();
    private final Map<String, Entry> runs = new LinkedHashMap<>();
    private final Deque<Entry> queue = new ArrayDeque<>();
    private int active;
    private long nextSeq = 1;
    private boolean draining;

    /**
     * Opens the service's state under {@code run.dir}, requeues what an earlier service left queued or
     * running, and starts as many runs as the concurrency allows.
     */
    public RunService(ServeSettings settings, RunHost host, RunOutputs outputs) {
        this.settings = settings;
        this.host = host;
        this.outputs = outputs;
        this.root = settings.runDir().toAbsolutePath();
        this.stateDir = root.resolve(STATE_DIR);
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new UserError("cannot create the service directory " + stateDir + ": " + e.getMessage());
        }
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(settings.concurrency(), r -> {
            Thread t = new Thread(r, "terrain-serve-run-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.forgetting = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "terrain-serve-metrics-retention");
            t.setDaemon(true);
            return t;
        });
        recover();
    }

    /** Reads the state files in submission order: finished runs are listed, the others queued again. */
    private void recover() {
        List<Entry> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(stateDir)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.getFileName().toString().endsWith(".json"))::iterator) {
                try {
                    found.add(read(f));
                } catch (IOException | RuntimeException e) {
                    Path aside = f.resolveSibling(f.getFileName() + ".unreadable");
                    LOG.warn("service state {} is unreadable ({}); moved to {} and skipped", f, e.getMessage(), aside);
                    moveQuietly(f, aside);
                }
            }
        } catch (IOException e) {
            throw new UserError("cannot read the service directory " + stateDir + ": " + e.getMessage());
        }
        found.sort(Comparator.comparingLong(e -> e.seq));
        synchronized (lock) {
            int resumed = 0;
            int requeued = 0;
            for (Entry e : found) {
                runs.put(e.id, e);
                nextSeq = Math.max(nextSeq, e.seq + 1);
                if (e.state == State.running && e.cancelRequested) {
                    // Killed while cancelling: the cancel stands.
                    e.state = State.cancelled;
                    e.endedAt = Instant.now().toString();
                    persist(e);
                } else if (e.state == State.running) {
                    queue.addFirst(e);
                    resumed++;
                } else if (e.state == State.queued) {
                    queue.addLast(e);
                    requeued++;
                }
            }
            // Runs that were running go first, in their own order.
            List<Entry> ordered = new ArrayList<>(queue);
            ordered.sort(Comparator.comparing((Entry e) -> e.state != State.running).thenComparingLong(e -> e.seq));
            queue.clear();
            queue.addAll(ordered);
            if (!found.isEmpty()) {
                LOG.info("service state in {}: {} runs, {} to resume, {} queued", stateDir, found.size(), resumed, requeued);
            }
            dispatch();
        }
    }

    /**
     * Validates and queues a run. {@code body} is HOCON, or JSON when {@code json}; the run goes under the
     * service's run directory whatever its {@code run.dir} says, and gets an id when it names none.
     *
     * @return the run id
     */
    public String submit(String body, boolean json) {
        Config parsed = SubmittedConfig.parse(body, json);
        String id;
        long seq;
        synchronized (lock) {
            if (draining) {
                throw new ApiError(503, "the service is shutting down; submit the run to the next one");
            }
            seq = nextSeq++;
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("run.dir", quote(root.toString()));
        // The service's outputs serve every run: snapshots are made when it publishes them.
        overrides.put("kafka.enabled", String.valueOf(settings.service().kafka().enabled()));
        RunSettings run;
        try {
            // Without a run.id the run is named run-<seq>-<timestamp>.
            run = SettingsLoader.loadText(SubmittedConfig.render(parsed), overrides, "the request body", "run-" + seq);
            new TrainingRun(run, ProgressSink.NONE).validate(Devices.of(run.device()));
        } catch (UserError e) {
            throw ApiError.badRequest(e.getMessage());
        }
        id = run.runId();
        if (!id.matches("[A-Za-z0-9._-]+") || id.startsWith(".")) {
            throw ApiError.badRequest("run.id '" + id + "' may contain only letters, digits, '.', '_' and '-' and must not "
                    + "start with '.'");
        }
        synchronized (lock) {
            if (draining) {
                throw new ApiError(503, "the service is shutting down; submit the run to the next one");
            }
            if (runs.containsKey(id) || Files.exists(root.resolve(id))) {
                throw ApiError.conflict("a run with id '" + id + "' exists already; choose another run.id");
            }
            long queued = queue.stream().filter(e -> e.state == State.queued).count();
            if (queued >= settings.queueLimit()) {
                throw new ApiError(429, queued + " runs are queued, the limit (serve.queueLimit); submit again later");
            }
            Entry e = new Entry(id, seq, run.renderedConfig(), Instant.now().toString());
            persist(e);
            runs.put(id, e);
            queue.addLast(e);
            LOG.info("run {} queued ({} ahead of it)", id, queue.size() - 1 + active);
            dispatch();
        }
        return id;
    }

    /** Starts queued runs while fewer than {@code serve.concurrency} train. Holds the lock. */
    private void dispatch() {
        while (!draining && active < settings.concurrency() && !queue.isEmpty()) {
            Entry e = queue.pollFirst();
            boolean resume = e.starts > 0 || e.state == State.running;
            e.state = State.running;
            e.starts++;
            e.startedAt = Instant.now().toString();
            e.live = new LiveStatus();
            persist(e);
            active++;
            workers.execute(() -> execute(e, resume));
        }
    }

    /** Trains one run on a worker thread, then records how it ended and starts the next. */
    private void execute(Entry e, boolean resume) {
        State outcome;
        String error = null;
        TrainingRun training;
        try {
            // The stored configuration may leave run.id empty (the service named the run): name it again.
            RunSettings run = SettingsLoader.loadText(e.config, Map.of("run.id", quote(e.id)),
                    "the configuration of run " + e.id, e.id);
            training = new TrainingRun(run, ProgressSink.NONE).hosted(host, outputs, e.live);
            synchronized (lock) {
                e.training = training;
                if (e.cancelRequested || draining) {
                    training.stop();
                }
            }
            Path dir = root.resolve(e.id);
            if (resume && hasCheckpoint(dir, run)) {
                LOG.info("run {} resumes from its newest checkpoint", e.id);
                training.resume(Devices.of(run.device()), dir);
            } else {
                if (Files.exists(dir)) {
                    Path aside = stateDir.resolve("discarded").resolve(e.id + "-" + System.currentTimeMillis());
                    LOG.warn("run {} stopped before its first checkpoint; it starts over, its partial directory moved to {}",
                            e.id, aside);
                    move(dir, aside);
                }
                training.run(Devices.of(run.device()));
            }
            outcome = statusOf(dir);
        } catch (RunFailed failed) {
            outcome = statusOf(root.resolve(e.id));
            error = failed.getMessage();
        } catch (RuntimeException | Error failure) {
            LOG.warn("run {} failed: {}", e.id, failure.toString());
            outcome = State.failed;
            error = failure.getMessage() == null ? failure.toString() : failure.getMessage();
        }
        synchronized (lock) {
            active--;
            e.training = null;
            if (draining && outcome == State.interrupted && !e.cancelRequested) {
                // Stopped by the drain: it stays "running" on disk and resumes in the next service.
                LOG.info("run {} checkpointed for the next service", e.id);
            } else {
                // A cancel that came too late (the run completed first) leaves it completed.
                e.state = e.cancelRequested && outcome == State.interrupted ? State.cancelled : outcome;
                e.error = error;
                e.endedAt = Instant.now().toString();
                persist(e);
                LOG.info("run {} {}", e.id, e.state);
                forgetting.schedule(() -> outputs.forget(e.id), settings.metricsRetention().toMillis(),
                        TimeUnit.MILLISECONDS);
            }
            lock.notifyAll();
            dispatch();
        }
    }

    private static boolean hasCheckpoint(Path dir, RunSettings run) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try {
            return new Checkpoints(dir, run.checkpoint().keep()).newest().isPresent();
        } catch (Checkpoints.Unusable e) {
            LOG.warn("run {}: {}", dir, e.getMessage());
            return false;
        }
    }

    /** The status in the run's summary.json (failed when there is none). */
    private static State statusOf(Path dir) {
        try {
            JsonNode summary = Json.MAPPER.readTree(dir.resolve("summary.json").toFile());
            return State.valueOf(summary.path("status").asText("failed"));
        } catch (IOException | IllegalArgumentException e) {
            return State.failed;
        }
    }

    /**
     * Cancels a queued run (it never starts) or a running one (it checkpoints and stops; its state turns
     * cancelled when it has). A finished run cannot be cancelled (409).
     *
     * @return the run's state after the request: cancelled, or running while it stops
     */
    public Map<String, Object> cancel(String id) {
        synchronized (lock) {
            Entry e = entry(id);
            switch (e.state) {
                case queued -> {
                    queue.remove(e);
                    e.state = State.cancelled;
                    e.cancelRequested = true;
                    e.endedAt = Instant.now().toString();
                    persist(e);
                    LOG.info("run {} cancelled before it started", id);
                }
                case running -> {
                    if (!e.cancelRequested) {
                        e.cancelRequested = true;
                        persist(e);
                        if (e.training != null) {
                            e.training.stop();
                        }
                        LOG.info("run {} cancelling: it checkpoints and stops", id);
                    }
                }
                default -> throw ApiError.conflict("run '" + id + "' is " + e.state
                        + " already; only queued or running runs can be cancelled");
            }
            Map<String, Object> m = status(e);
            m.put("run_dir", root.resolve(id).toString());
            return m;
        }
    }

    /**
     * The run's status: state, times, step, newest loss terms and probe figures (from the training run
     * while it trains here, else from its files, read outside the service's lock).
     */
    public Map<String, Object> status(String id) {
        Map<String, Object> m;
        boolean live;
        synchronized (lock) {
            Entry e = entry(id);
            m = status(e);
            live = e.live != null && e.live.metrics() != null;
        }
        if (!live) {
            Path dir = root.resolve(id);
            summary(dir).ifPresent(s -> {
                m.put("step", s.path("steps").asLong());
                m.put("terms", s.path("terms"));
                m.put("total", s.get("total"));
                m.put("rel_l2", s.get("rel_l2"));
            });
            m.put("probes", RunFilesView.latestProbes(dir));
        }
        m.put("run_dir", root.resolve(id).toString());
        return m;
    }

    /** Every run in submission order, briefly. */
    public List<Map<String, Object>> list() {
        synchronized (lock) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (Entry e : runs.values()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", e.id);
                m.put("state", e.state.name());
                m.put("submitted_at", e.submittedAt);
                m.put("started_at", e.startedAt);
                m.put("ended_at", e.endedAt);
                out.add(m);
            }
            return out;
        }
    }

    /** The service's state for {@code GET /health}. */
    public Map<String, Object> health() {
        synchronized (lock) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", draining ? "draining" : "ok");
            m.put("running", active);
            m.put("queued", queue.size());
            m.put("runs", runs.size());
            m.put("concurrency", settings.concurrency());
            if (!outputs.describe().isEmpty()) {
                m.put("outputs", outputs.describe());
            }
            return m;
        }
    }

    /** The directory of a known run (404 otherwise). */
    public Path runDirectory(String id) {
        synchronized (lock) {
            entry(id);
        }
        return root.resolve(id);
    }

    /** Whether the run is finished (its summary and report are final). */
    public boolean finished(String id) {
        synchronized (lock) {
            return entry(id).state.finished();
        }
    }

    private Entry entry(String id) {
        Entry e = runs.get(id);
        if (e == null) {
            throw ApiError.notFound("no run '" + id + "' in this service; GET /runs lists them");
        }
        return e;
    }

    /** What the entry itself knows (call with the lock held). */
    private Map<String, Object> status(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id);
        m.put("state", e.state.name());
        if (e.cancelRequested && e.state == State.running) {
            m.put("cancelling", true);
        }
        m.put("submitted_at", e.submittedAt);
        m.put("started_at", e.startedAt);
        m.put("ended_at", e.endedAt);
        m.put("starts", e.starts);
        MetricsRecord last = e.live == null ? null : e.live.metrics();
        if (last != null) {
            m.put("step", last.step());
            m.put("terms", last.terms());
            m.put("total", finite(last.total()));
            m.put("rel_l2", finite(last.relL2()));
            m.put("probes", e.live.probes());
        }
        if (e.error != null) {
            m.put("error", e.error);
        }
        return m;
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static Optional<JsonNode> summary(Path dir) {
        Path f = dir.resolve("summary.json");
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.MAPPER.readTree(f.toFile()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * SIGTERM: refuses new runs, asks every active run to checkpoint and stop, and waits for them up to
     * {@code serve.drainTimeout}. Drained runs stay "running" on disk (and queued ones queued), so the next
     * service on this directory continues them. Returns whether every run stopped in time.
     */
    public boolean drain() {
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        synchronized (lock) {
            draining = true;
            for (Entry e : runs.values()) {
                if (e.training != null) {
                    e.training.stop();
                }
            }
            LOG.info("draining: {} active runs checkpoint and stop, {} stay queued", active, queue.size());
            while (active > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("drain timed out with {} runs still active (serve.drainTimeout = {})", active,
                            settings.drainTimeout());
                    return false;
                }
                try {
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    /** Drains (if not done already) and stops the worker threads. */
    @Override
    public void close() {
        drain();
        workers.shutdownNow();
        forgetting.shutdownNow();
    }

    // ---- state files ----

    private void persist(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id);
        m.put("seq", e.seq);
        m.put("state", e.state.name());
        m.put("submitted_at", e.submittedAt);
        m.put("started_at", e.startedAt);
        m.put("ended_at", e.endedAt);
        m.put("starts", e.starts);
        m.put("cancel_requested", e.cancelRequested);
        m.put("error", e.error);
        m.put("config", e.config);
        try {
            DurableFiles.writeAtomically(stateDir.resolve(e.id + ".json"), Json.MAPPER.writeValueAsBytes(m));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write the service state of run " + e.id + " to " + stateDir, ex);
        }
    }

    private static Entry read(Path f) throws IOException {
        JsonNode n = Json.MAPPER.readTree(f.toFile());
        if (n == null || !n.hasNonNull("id") || !n.hasNonNull("config") || !n.hasNonNull("state")) {
            throw new IOException("it lacks id, config or state");
        }
        Entry e = new Entry(n.get("id").asText(), n.path("seq").asLong(), n.get("config").asText(),
                n.path("submitted_at").asText(null));
        e.state = State.valueOf(n.get("state").asText());
        e.startedAt = n.path("started_at").asText(null);
        e.endedAt = n.path("ended_at").asText(null);
        e.starts = n.path("starts").asInt();
        e.cancelRequested = n.path("cancel_requested").asBoolean();
        e.error = n.path("error").asText(null);
        if (!f.getFileName().toString().equals(e.id + ".json")) {
            throw new IOException("it names run '" + e.id + "', not its file name");
        }
        return e;
    }

    private static void move(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot move " + from + " to " + to, ex);
        }
    }

    private static void moveQuietly(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException ex) {
            LOG.warn("cannot move {} aside: {}", from, ex.getMessage());
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
