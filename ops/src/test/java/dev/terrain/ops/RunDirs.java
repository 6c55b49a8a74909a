package dev.terrain.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

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
}
