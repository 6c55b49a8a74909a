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
import java.time.Duration;
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
        /** Group mode: the record the run came from (committed when it ends). */
        GroupQueue.Delivered delivered;
        /** Group mode: stopped because its partition moved (or the service drains); it is not final. */
        boolean released;

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
    /** The group's queue in Kafka; null for a service on its own. */
    private final GroupQueue group;
    private final Path owners;

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
        this.owners = root.resolve(".owners");
        if (settings.group().isEmpty()) {
            this.group = null;
            recover();
        } else {
            try {
                Files.createDirectories(owners);
            } catch (IOException e) {
                throw new UserError("cannot create " + owners + " in the shared run directory: " + e.getMessage());
            }
            this.group = new GroupQueue(new GroupQueue.Settings(settings.service().kafka().bootstrap(), settings.group(),
                    settings.instance(), settings.partitions(), settings.sessionTimeout()), new GroupRuns());
            group.view().onCancel(r -> cancelHere(r.id));
            forgetting.scheduleWithFixedDelay(this::fence, 500, 500, TimeUnit.MILLISECONDS);
            group.start();
            LOG.info("instance {} of group '{}': runs from {} on Kafka {}, run directory {} (shared by the group)",
                    settings.instance(), settings.group(), dev.terrain.streams.kafka.Topics.RUNS,
                    settings.service().kafka().bootstrap(), root);
        }
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
        if (group != null) {
            submitToGroup(id, run.renderedConfig());
            return id;
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
            if (group != null) {
                training.withFence(() -> ownsNow(e.id));
            }
            synchronized (lock) {
                e.training = training;
                if (e.cancelRequested || e.released || draining) {
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
        if (group != null) {
            endInGroup(e, outcome, error);
            return;
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
        if (group != null) {
            return cancelInGroup(id);
        }
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
        Map<String, Object> m = null;
        boolean live = false;
        synchronized (lock) {
            Entry e = group != null ? runs.get(id) : entry(id);
            if (e != null) {
                m = status(e);
                live = e.live != null && e.live.metrics() != null;
            }
        }
        if (group != null) {
            Map<String, Object> known = group.view().brief(id).orElse(null);
            if (m == null && known == null) {
                throw ApiError.notFound("no run '" + id + "' in this service group; GET /runs lists them");
            }
            if (m == null) {
                m = known;
            } else {
                m.put("instance", settings.instance());
            }
        }
        Map<String, Object> out = m;
        if (!live) {
            Path dir = root.resolve(id);
            Optional<JsonNode> summary = summary(dir);
            summary.ifPresent(s -> {
                out.put("step", s.path("steps").asLong());
                out.put("terms", s.path("terms"));
                out.put("total", s.get("total"));
                out.put("rel_l2", s.get("rel_l2"));
            });
            JsonNode newest = group != null && summary.isEmpty() ? RunFilesView.latestMetrics(dir) : null;
            if (newest != null) {
                // Training on another instance of the group: its newest logged step, from the shared directory.
                out.put("step", newest.path("step").asLong());
                out.put("terms", newest.path("terms"));
                out.put("total", newest.get("total"));
                out.put("rel_l2", newest.get("rel_l2"));
            }
            out.put("probes", RunFilesView.latestProbes(dir));
        }
        out.put("run_dir", root.resolve(id).toString());
        return out;
    }

    /** Every run in submission order, briefly. */
    public List<Map<String, Object>> list() {
        if (group != null) {
            return group.view().list();
        }
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
            if (group != null) {
                m.put("queued", group.view().counts().getOrDefault("queued", 0));
                m.put("runs", group.view().list().size());
                m.put("group", settings.group());
                m.put("instance", settings.instance());
                m.put("partitions", group.partitions());
                if (group.problem() != null) {
                    m.put("kafka", group.problem());
                }
            }
            return m;
        }
    }

    /** The directory of a known run (404 otherwise). */
    public Path runDirectory(String id) {
        if (group != null) {
            if (!group.view().knows(id)) {
                throw ApiError.notFound("no run '" + id + "' in this service group; GET /runs lists them");
            }
            return root.resolve(id);
        }
        synchronized (lock) {
            entry(id);
        }
        return root.resolve(id);
    }

    /** Whether the run is finished (its summary and report are final). */
    public boolean finished(String id) {
        if (group != null) {
            return group.view().finished(id);
        }
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
        if (group != null) {
            // Leaving the group hands this instance's partitions to the others at once.
            group.close();
        }
        workers.shutdownNow();
        forgetting.shutdownNow();
    }


    // ---- group mode (serve.group): the queue is a Kafka topic shared by the group's instances ----

    /** Appends a validated run to the group's queue (any instance may train it). */
    private void submitToGroup(String id, String config) {
        synchronized (lock) {
            if (draining) {
                throw new ApiError(503, "the service is shutting down; submit the run to another instance of the group");
            }
        }
        GroupView view = group.view();
        if (!view.awaitCaughtUp(Duration.ofSeconds(10))) {
            throw new ApiError(503, "the group's events on Kafka " + settings.service().kafka().bootstrap()
                    + " cannot be read now" + (group.problem() == null ? "" : " (" + group.problem() + ")") + "; try again");
        }
        if (view.knows(id) || Files.exists(root.resolve(id))) {
            throw ApiError.conflict("a run with id '" + id + "' exists already in the group; choose another run.id");
        }
        int queued = view.counts().getOrDefault("queued", 0);
        if (queued >= settings.queueLimit()) {
            throw new ApiError(429, queued + " runs are queued in the group, the limit (serve.queueLimit); submit again later");
        }
        group.submit(id, config);
        // Its queued event is written: wait until this instance's view has it, so GET /runs/{id} answers.
        view.awaitCaughtUp(Duration.ofSeconds(10));
        LOG.info("run {} queued in group '{}'", id, settings.group());
    }

    /** The group queue's view of this service: free slots, runs to start, partitions to give up. */
    private final class GroupRuns implements GroupQueue.Runs {
        @Override
        public int free() {
            synchronized (lock) {
                return draining ? 0 : settings.concurrency() - active;
            }
        }

        @Override
        public void deliver(GroupQueue.Delivered d) {
            GroupView view = group.view();
            if (!view.awaitCaughtUp(Duration.ofSeconds(10))) {
                LOG.warn("the group's events are not read up to date; run {} starts on what is known", d.runId());
            }
            Path dir = root.resolve(d.runId());
            Map<String, Object> known = view.brief(d.runId()).orElse(Map.of());
            if (view.finished(d.runId())) {
                LOG.info("run {} is {} already (settled by an earlier owner); its record is committed", d.runId(), known.get("state"));
                group.done(d);
                return;
            }
            if (d.submittedAt() != null && known.get("submitted_at") != null && !d.submittedAt().equals(known.get("submitted_at"))) {
                LOG.warn("run {} was submitted twice at once (at {} and {}); the second record is dropped", d.runId(),
                        known.get("submitted_at"), d.submittedAt());
                group.done(d);
                return;
            }
            if (view.cancelRequested(d.runId())) {
                settle(d, State.cancelled, null);
                return;
            }
            State before = finalStatusOf(dir);
            if (before != null) {
                // It ended, but the owner died before it could say so and commit: say so now.
                settle(d, before, "settled from summary.json by " + settings.instance());
                return;
            }
            Entry e = new Entry(d.runId(), 0, d.config(), d.submittedAt());
            e.delivered = d;
            e.state = State.running;
            e.starts = ((Number) known.getOrDefault("starts", 0)).intValue() + 1;
            e.startedAt = Instant.now().toString();
            e.live = new LiveStatus();
            synchronized (lock) {
                if (draining) {
                    return; // not committed: the next owner of the partition takes it
                }
            }
            // Claimed before the fence watchdog can see the run: it would otherwise find the last owner's name.
            claim(e);
            synchronized (lock) {
                runs.put(e.id, e);
                active++;
            }
            try {
                group.event(e.id, "running", Map.of("starts", e.starts, "partition", d.partition().partition()));
            } catch (ApiError kafka) {
                LOG.warn("run {}: its running event was not written: {}", e.id, kafka.getMessage());
            }
            LOG.info("run {} starts here (start {} in the group)", e.id, e.starts);
            workers.execute(() -> execute(e, true));
        }

        @Override
        public void release(java.util.Collection<org.apache.kafka.common.TopicPartition> partitions, boolean lost) {
            List<Entry> stopping = new ArrayList<>();
            synchronized (lock) {
                for (Entry e : runs.values()) {
                    if (e.delivered != null && partitions.contains(e.delivered.partition()) && e.state == State.running) {
                        e.released = true;
                        if (e.training != null) {
                            e.training.stop();
                        }
                        stopping.add(e);
                    }
                }
                long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
                while (stopping.stream().anyMatch(e -> runs.get(e.id) == e)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        LOG.warn("runs {} did not stop within serve.drainTimeout while their partitions moved",
                                stopping.stream().map(e -> e.id).toList());
                        return;
                    }
                    try {
                        lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
            if (!stopping.isEmpty()) {
                LOG.info("runs {} stopped: their partitions {}", stopping.stream().map(e -> e.id).toList(),
                        lost ? "were lost (session expired)" : "moved to another instance");
            }
        }
    }

    /** Writes the final event of a run that needs no training, then commits its record. */
    private void settle(GroupQueue.Delivered d, State state, String note) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (note != null) {
            details.put("note", note);
        }
        try {
            group.event(d.runId(), state.name(), details);
            group.done(d);
            LOG.info("run {} {}", d.runId(), state);
        } catch (ApiError kafka) {
            LOG.warn("run {}: its {} event was not written ({}); it is settled when delivered again", d.runId(), state,
                    kafka.getMessage());
        }
    }

    /** A run ended on this instance: its final event and commit, or a release that leaves it to the next owner. */
    private void endInGroup(Entry e, State outcome, String error) {
        State fin = e.cancelRequested && outcome == State.interrupted ? State.cancelled : outcome;
        boolean owner = ownsNow(e.id);
        try {
            if (!owner) {
                LOG.warn("run {} stopped: another instance owns it now (this instance was fenced)", e.id);
            } else if (fin == State.interrupted) {
                // Released (partition moved, drain): it resumes from its checkpoint on the next owner.
                group.event(e.id, "released", Map.of());
                LOG.info("run {} checkpointed and released to the group", e.id);
                boolean leaving;
                synchronized (lock) {
                    leaving = draining;
                }
                if (!leaving) {
                    // Its partition may stay here (a stop without a rebalance): deliver the record again.
                    group.retry(e.delivered);
                }
            } else {
                Map<String, Object> details = new LinkedHashMap<>();
                if (error != null) {
                    details.put("error", error);
                }
                group.event(e.id, fin.name(), details);
                group.done(e.delivered);
                LOG.info("run {} {}", e.id, fin);
            }
        } catch (ApiError kafka) {
            LOG.warn("run {}: its {} event was not written ({}); the record stays uncommitted and the run is settled "
                    + "from its files when delivered again", e.id, fin, kafka.getMessage());
        }
        synchronized (lock) {
            active--;
            e.training = null;
            e.state = fin;
            e.endedAt = Instant.now().toString();
            runs.remove(e.id);
            lock.notifyAll();
            forgetting.schedule(() -> outputs.forget(e.id), settings.metricsRetention().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Group mode: a running run here stops now; any other known run gets a cancel request on the events topic. */
    private Map<String, Object> cancelInGroup(String id) {
        if (cancelHere(id)) {
            return status(id);
        }
        GroupView view = group.view();
        view.awaitCaughtUp(Duration.ofSeconds(5));
        Map<String, Object> known = view.brief(id).orElseThrow(() ->
                ApiError.notFound("no run '" + id + "' in this service group; GET /runs lists them"));
        if (view.finished(id)) {
            throw ApiError.conflict("run '" + id + "' is " + known.get("state") + " already; only queued or running runs can be cancelled");
        }
        group.event(id, "cancel_requested", Map.of());
        Map<String, Object> m = new LinkedHashMap<>(known);
        m.put("cancelling", true);
        m.put("run_dir", root.resolve(id).toString());
        return m;
    }

    /** Stops a run that trains on this instance because of a cancel; false when it does not train here. */
    private boolean cancelHere(String id) {
        synchronized (lock) {
            Entry e = runs.get(id);
            if (e == null || e.state != State.running) {
                return false;
            }
            if (!e.cancelRequested) {
                e.cancelRequested = true;
                if (e.training != null) {
                    e.training.stop();
                }
                LOG.info("run {} cancelling: it checkpoints and stops", id);
            }
            return true;
        }
    }

    /** Records this instance as the run's owner in the shared directory (the fence of a zombie owner). */
    private void claim(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instance", settings.instance());
        m.put("starts", e.starts);
        m.put("partition", e.delivered.partition().partition());
        m.put("offset", e.delivered.offset());
        m.put("at", e.startedAt);
        try {
            DurableFiles.writeAtomically(owners.resolve(e.id + ".json"), Json.MAPPER.writeValueAsBytes(m));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write the owner of run " + e.id + " to " + owners, ex);
        }
    }

    /** Whether the shared directory still names this instance as the run's owner. */
    private boolean ownsNow(String id) {
        Path f = owners.resolve(id + ".json");
        try {
            return settings.instance().equals(Json.MAPPER.readTree(f.toFile()).path("instance").asText());
        } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException gone) {
            return false;
        } catch (IOException ex) {
            LOG.warn("cannot read the owner of run {} ({}); it keeps running", id, ex.getMessage());
            return true;
        }
    }

    /** Every half second: a run whose owner file names another instance stops at once (it is a zombie's). */
    private void fence() {
        List<Entry> active;
        synchronized (lock) {
            active = runs.values().stream().filter(e -> e.state == State.running && !e.released).toList();
        }
        for (Entry e : active) {
            if (!ownsNow(e.id)) {
                LOG.warn("run {} is owned by another instance now; it stops here without writing more", e.id);
                synchronized (lock) {
                    e.released = true;
                    if (e.training != null) {
                        e.training.stop();
                    }
                }
            }
        }
    }

    /** The final state in the run's summary.json (completed, diverged, failed), or null. */
    private static State finalStatusOf(Path dir) {
        if (!Files.isRegularFile(dir.resolve("summary.json"))) {
            return null;
        }
        State s = statusOf(dir);
        return s == State.completed || s == State.diverged || s == State.failed ? s : null;
    }

    // ---- state files ----

    private void persist(Entry e) {
        if (group != null) {
            return; // the group's state is its Kafka topics
        }
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
