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

    /** How much of the end of {@code metrics.jsonl} {@link #latestMetrics} reads: many records, whatever the run's length. */
    private static final int TAIL_BYTES = 64 * 1024;

    /**
     * The newest record of {@code metrics.jsonl} (a run training on another instance of a group, whose
     * files are in the shared directory), or null. Reads only the file's last {@value #TAIL_BYTES} bytes, as
     * a status request may come every second; a torn last line is skipped.
     */
    static JsonNode latestMetrics(Path dir) {
        Path f = dir.resolve("metrics.jsonl");
        if (!Files.isRegularFile(f)) {
            return null;
        }
        String tail;
        try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(f)) {
            long size = ch.size();
            int n = (int) Math.min(size, TAIL_BYTES);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(n);
            ch.position(size - n);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // read to the end
            }
            tail = new String(buf.array(), 0, buf.position(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
        String[] lines = tail.split("\n");
        // The first line may be cut by the window; the last may be half written: both fail to parse.
        for (int i = lines.length - 1; i >= 0; i--) {
            try {
                JsonNode node = Json.MAPPER.readTree(lines[i]);
                if (node != null && node.has("step")) {
                    return node;
                }
            } catch (IOException torn) {
                // try the line before
            }
        }
        return null;
    }
}
