package dev.terrain.ops.sweep;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.terrain.actors.DurableFiles;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.run.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code <dir>/<sweep-id>/sweep.json}: what a sweep is (base file and its hash, fixed overrides, axes, each
 * point's values and run id), where it was sent, and each point's submission result. Rewritten whole and
 * atomically after every submission, so a sweep cut short says exactly which points are still to submit.
 */
public record Manifest(String sweepId, String base, String baseSha256, String url, String createdAt,
        Map<String, String> fixed, List<SweepPlan.Axis> axes, List<Entry> points) {
    static final String FILE = "sweep.json";
    private static final ObjectMapper JSON = Json.MAPPER.copy()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    public Manifest {
        fixed = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fixed));
        axes = List.copyOf(axes);
        points = List.copyOf(points);
    }

    /** One point: its run, its axis values, and what the service answered (null before it was sent). */
    public record Entry(int index, String runId, Map<String, String> overrides, Submission submission) {
        public boolean submitted() {
            return submission != null && submission.submitted();
        }

        SweepPlan.Point point() {
            return new SweepPlan.Point(index, runId, overrides);
        }
    }

    /**
     * A submission's result: {@code submitted} on 201, or on 409 when the run exists already (a resubmission);
     * otherwise the HTTP status (null when the service could not be reached) and its error.
     */
    public record Submission(boolean submitted, Integer httpStatus, String message, String at) {}

    /** A new manifest of {@code plan}, nothing submitted yet. */
    public static Manifest of(SweepPlan plan, Path base, String baseSha256, String url) {
        List<Entry> entries = new ArrayList<>();
        for (SweepPlan.Point p : plan.points()) {
            entries.add(new Entry(p.index(), p.runId(), p.values(), null));
        }
        return new Manifest(plan.sweepId(), base.toString(), baseSha256, url, java.time.Instant.now().toString(),
                plan.fixed(), plan.axes(), entries);
    }

    /** The plan this manifest was written for, with its run ids as recorded. */
    public SweepPlan plan() {
        return new SweepPlan(sweepId, fixed, axes, points.stream().map(Entry::point).toList());
    }

    Manifest withSubmission(int index, Submission s) {
        List<Entry> next = new ArrayList<>(points);
        Entry e = next.get(index);
        next.set(index, new Entry(e.index(), e.runId(), e.overrides(), s));
        return new Manifest(sweepId, base, baseSha256, url, createdAt, fixed, axes, next);
    }

    public Manifest withUrl(String newUrl) {
        return new Manifest(sweepId, base, baseSha256, newUrl, createdAt, fixed, axes, points);
    }

    public long submittedCount() {
        return points.stream().filter(Entry::submitted).count();
    }

    public static Path file(Path dir, String sweepId) {
        return dir.resolve(sweepId).resolve(FILE);
    }

    public void write(Path dir) {
        Path f = file(dir, sweepId);
        try {
            DurableFiles.writeAtomically(f, JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new UserError("cannot write the sweep manifest " + f + ": " + e.getMessage(), e);
        }
    }

    public static boolean exists(Path dir, String sweepId) {
        return Files.isRegularFile(file(dir, sweepId));
    }

    public static Manifest read(Path dir, String sweepId) {
        SweepPlan.checkId(sweepId, "sweep id");
        Path f = file(dir, sweepId);
        if (!Files.isRegularFile(f)) {
            throw new UserError("no sweep '" + sweepId + "': " + f + " does not exist (see --dir)");
        }
        try {
            return JSON.readValue(f.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new UserError("cannot read the sweep manifest " + f + ": " + e.getMessage(), e);
        }
    }
}
