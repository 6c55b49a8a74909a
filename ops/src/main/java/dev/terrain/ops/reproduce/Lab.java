package dev.terrain.ops.reproduce;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.terrain.model.tensor.Threads;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.config.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the experiments of {@code terrain reproduce} run: the examples they start from, the device, one
 * root {@link NDManager} whose children hold each {@link Model}, and the progress lines for the user.
 * Experiments train in-process on the model API (no actors, Kafka or Prometheus): a reproduction
 * measures the numerics, and the runs are short enough that a crash is cheaper to repeat than to resume.
 */
public final class Lab implements AutoCloseable {
    private final Path examples;
    private final Device device;
    private final NDManager root;
    private final java.util.function.Consumer<String> progress;

    public Lab(Path examples, Device device, java.util.function.Consumer<String> progress) {
        if (!Files.isDirectory(examples)) {
            throw new UserError("no examples directory at " + examples + " (run from the Terrain checkout)");
        }
        this.examples = examples;
        this.device = device;
        this.root = NDManager.newBaseManager(device);
        this.progress = progress;
    }

    /** The settings of {@code examples/<example>} with {@code overrides} (-D style keys) applied. */
    public RunSettings settings(String example, Map<String, String> overrides) {
        Path file = examples.resolve(example);
        if (!Files.isRegularFile(file)) {
            throw new UserError("the reproduction needs " + file + ", which is missing");
        }
        return SettingsLoader.load(file.toFile(), overrides);
    }

    /** A fresh model (network initialised by its seed, optimiser at step 0) with these settings. */
    public Model model(RunSettings settings) {
        Threads.set(settings.threads());
        return new Model(settings, root.newSubManager(device));
    }

    /** Tells the user what is happening (one line). */
    public void say(String line) {
        progress.accept(line);
    }

    @Override
    public void close() {
        root.close();
    }
}
