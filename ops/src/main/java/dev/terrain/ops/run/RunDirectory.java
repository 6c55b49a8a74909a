package dev.terrain.ops.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.terrain.ops.config.UserError;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code runs/<run-id>/}: the resolved {@code config.conf}, {@code metrics.jsonl} (one JSON object per
 * logged step) and, at the end, {@code summary.json} whose {@code status} says whether the run
 * completed. Files that are replaced whole are written to a temporary file, fsynced and renamed.
 */
public final class RunDirectory implements AutoCloseable {
    private static final ObjectMapper LINE = new ObjectMapper();

    private final Path dir;
    private final BufferedWriter metrics;
    private final java.util.Map<String, BufferedWriter> logs = new java.util.HashMap<>();

    private RunDirectory(Path dir, boolean append) throws IOException {
        this.dir = dir;
        this.metrics = append
                ? Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND)
                : Files.newBufferedWriter(dir.resolve("metrics.jsonl"), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** Reopens an existing run directory to continue it; new metrics are appended. */
    public static RunDirectory reopen(Path dir) {
        if (!Files.isRegularFile(dir.resolve("config.conf"))) {
            throw new UserError(dir + " is not a run directory (it has no config.conf)");
        }
        try {
            return new RunDirectory(dir, true);
        } catch (IOException e) {
            throw new UserError("cannot reopen run directory " + dir + ": " + e.getMessage());
        }
    }

    /** Creates a new run directory; an existing one is never reused or overwritten. */
    public static RunDirectory create(Path parent, String runId, String config) {
        if (!runId.matches("[A-Za-z0-9._-]+")) {
            throw new UserError("run.id '" + runId + "' may contain only letters, digits, '.', '_' and '-'");
        }
        Path dir = parent.resolve(runId);
        try {
            Files.createDirectories(parent);
            Files.createDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new UserError("run directory " + dir + " already exists; choose another run.id");
        } catch (IOException e) {
            throw new UserError("cannot create run directory " + dir + ": " + e.getMessage());
        }
        try {
            dev.terrain.actors.DurableFiles.writeAtomically(dir.resolve("config.conf"), config.getBytes(StandardCharsets.UTF_8));
            return new RunDirectory(dir, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path path() {
        return dir;
    }

    /** Appends one metrics record and flushes it, so a reader tailing the file sees it at once. */
    public void metrics(Object record) {
        try {
            metrics.write(LINE.writeValueAsString(record));
            metrics.newLine();
            metrics.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Appends one record to the JSON-lines file {@code name} ({@code landscape.jsonl}, {@code events.jsonl})
     * and flushes it; the file is created on first use and appended to when a run is resumed.
     */
    public void append(String name, Object record) {
        try {
            BufferedWriter w = logs.get(name);
            if (w == null) {
                w = Files.newBufferedWriter(dir.resolve(name), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                logs.put(name, w);
            }
            w.write(LINE.writeValueAsString(record));
            w.newLine();
            w.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a JSON file atomically (temp + fsync + rename). */
    public void writeJson(String name, Object value) {
        try {
            metrics.flush();
            dev.terrain.actors.DurableFiles.writeAtomically(dir.resolve(name), Json.MAPPER.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            for (BufferedWriter w : logs.values()) {
                w.close();
            }
            metrics.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
