package dev.terrain.ops.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.run.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a run directory holds, as read for its report: {@code config.conf} (required), {@code summary.json}
 * (null while the run has not ended), and the records of {@code metrics.jsonl}, {@code landscape.jsonl}
 * and {@code events.jsonl} (empty when a file is missing). A line that is not a JSON object — the torn
 * last line of a killed run — is skipped and counted.
 */
record RunData(Path dir, String config, JsonNode summary, List<JsonNode> metrics, List<JsonNode> landscape,
        List<JsonNode> events, int tornLines) {
    private static final Logger LOG = LoggerFactory.getLogger(RunData.class);

    static RunData read(Path dir) {
        Path config = dir.resolve("config.conf");
        if (!Files.isRegularFile(config)) {
            throw new UserError(dir + " is not a run directory (it has no config.conf)");
        }
        int[] torn = {0};
        try {
            return new RunData(dir, Files.readString(config, StandardCharsets.UTF_8), summary(dir.resolve("summary.json")),
                    lines(dir.resolve("metrics.jsonl"), torn), lines(dir.resolve("landscape.jsonl"), torn),
                    lines(dir.resolve("events.jsonl"), torn), torn[0]);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read run directory " + dir, e);
        }
    }

    /** The summary, or null when it is missing or unreadable (a run killed while writing it). */
    private static JsonNode summary(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(file.toFile());
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            LOG.warn("ignoring unreadable {}: {}", file, e.getMessage());
            return null;
        }
    }

    private static List<JsonNode> lines(Path file, int[] torn) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = Json.MAPPER.readTree(line);
                if (n != null && n.isObject()) {
                    out.add(n);
                    continue;
                }
            } catch (IOException e) {
                // a torn line: counted below
            }
            torn[0]++;
            LOG.debug("skipping a line of {} that is not a JSON object", file);
        }
        return out;
    }

    /** The run id: the summary's, else the directory's name. */
    String runId() {
        return summary != null && summary.hasNonNull("run_id") ? summary.get("run_id").asText()
                : dir.toAbsolutePath().normalize().getFileName().toString();
    }

    /** The run's status, or {@code unfinished} without a summary. */
    String status() {
        return summary != null && summary.hasNonNull("status") ? summary.get("status").asText() : "unfinished";
    }

    /** The landscape records of {@code probe} that carry figures (failed runs of the probe have an error instead). */
    List<JsonNode> probe(String probe) {
        return landscape.stream().filter(n -> probe.equals(n.path("probe").asText()) && !n.hasNonNull("error")).toList();
    }

    /**
     * A JSON number as a double; null, a missing field and the strings Jackson writes for non-finite
     * numbers ("NaN", "Infinity") give the non-finite value (NaN for null and anything unreadable).
     */
    static double num(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return Double.NaN;
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isTextual()) {
            try {
                return Double.parseDouble(n.asText());
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }
}
