package dev.terrain.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import com.fasterxml.jackson.databind.ObjectMapper;

/** What tests look at in a run directory while its run is still going. */
public final class RunDirs {
    private RunDirs() {}

    /** How many checkpoint files {@code dir/checkpoints} holds now (0 before the first). */
    public static long checkpoints(Path dir) throws IOException {
        Path c = dir.resolve("checkpoints");
        if (!Files.isDirectory(c)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(c)) {
            return s.filter(f -> f.toString().endsWith(".ckpt")).count();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The steps of {@code dir/metrics.jsonl} in file order (a line cut by SIGKILL is skipped). */
    public static List<Long> steps(Path dir) throws IOException {
        List<Long> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("metrics.jsonl"))) {
            try {
                out.add(JSON.readTree(line).path("step").asLong());
            } catch (IOException torn) {
                // a line cut by SIGKILL
            }
        }
        return out;
    }

    /** The last step logged in {@code dir/metrics.jsonl}, or -1. */
    public static long lastStep(Path dir) throws IOException {
        List<Long> s = steps(dir);
        return s.isEmpty() ? -1 : s.get(s.size() - 1);
    }
}
