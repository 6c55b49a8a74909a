package dev.terrain.ops.cli;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The glibc allocator variables {@code ./terrain} and the Docker image export (keep the three in step), for
 * the processes a command starts itself: two malloc arenas, so that libtorch's tensors do not fragment
 * across many, and tensors up to 32 MiB from the heap with up to 64 MiB of free heap kept, so that a step
 * does not page-fault in again the memory the step before gave back (see the launcher for the figures).
 */
final class MallocSettings {
    /** The launcher's values, by name in alphabetical order. */
    static final SortedMap<String, String> LAUNCHER = Collections.unmodifiableSortedMap(new TreeMap<>(Map.of(
            "MALLOC_ARENA_MAX", "2", "MALLOC_MMAP_THRESHOLD_", "33554432", "MALLOC_TRIM_THRESHOLD_", "67108864")));

    private MallocSettings() {}

    /** This process's values of the three variables ("unset" where the environment lacks one). */
    static SortedMap<String, String> current() {
        SortedMap<String, String> out = new TreeMap<>();
        LAUNCHER.keySet().forEach(k -> out.put(k, System.getenv().getOrDefault(k, "unset")));
        return out;
    }
}
