package dev.terrain.ops.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.run.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What a run directory tells about a run that is not training in this service (finished, or not yet resumed). */
final class RunFilesView {
    private RunFilesView() {}

    /** Each probe's newest scalar figures from {@code landscape.jsonl} (torn lines skipped). */
    static Map<String, Map<String, Object>> latestProbes(Path dir) {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        Path f = dir.resolve("landscape.jsonl");
        if (!Files.isRegularFile(f)) {
            return out;
        }
        try (Stream<String> lines = Files.lines(f)) {
            for (String line : (Iterable<String>) lines::iterator) {
                JsonNode n;
                try {
                    n = Json.MAPPER.readTree(line);
                } catch (IOException torn) {
                    continue;
                }
                if (n == null || !n.hasNonNull("probe")) {
                    continue;
                }
                Map<String, Object> figures = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    if (!field.getKey().equals("probe") && field.getValue().isValueNode()) {
                        figures.put(field.getKey(), field.getValue());
                    }
                }
                out.put(n.get("probe").asText(), figures);
            }
        } catch (IOException | UncheckedIOException e) {
            return out;
        }
        return out;
    }

    /**
     * The newest record of {@code metrics.jsonl} (a run training on another instance of a group, whose
     * files are in the shared directory), or null; a torn last line is skipped.
     */
    static JsonNode latestMetrics(Path dir) {
        Path f = dir.resolve("metrics.jsonl");
        if (!Files.isRegularFile(f)) {
            return null;
        }
        JsonNode last = null;
        try (Stream<String> lines = Files.lines(f)) {
            for (String line : (Iterable<String>) lines::iterator) {
                try {
                    JsonNode n = Json.MAPPER.readTree(line);
                    if (n != null && n.has("step")) {
                        last = n;
                    }
                } catch (IOException torn) {
                    // a line being written or cut by a crash
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return last;
        }
        return last;
    }
}
