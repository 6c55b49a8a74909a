package dev.terrain.ops.metrics;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the external tools the end-to-end tests drive (prometheus, promtool, docker-compose). */
public final class Binaries {
    private Binaries() {}

    /** The executable {@code name} on PATH, or null. */
    public static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
