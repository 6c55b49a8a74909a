package dev.terrain.ops.cli;

import dev.terrain.model.tensor.Threads;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.config.UserError;
import dev.terrain.ops.run.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code terrain resume runs/<id> [-Dtrain.steps=N]}: continues a run from its newest good checkpoint
 * with the configuration it was started with. Only the step count, reporting cadence, checkpoint cadence,
 * threads and device may change.
 */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = "Continue a run from its newest good checkpoint (runs/<id>/checkpoints).")
final class ResumeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "the run directory, e.g. runs/poisson1d-dgm-20261123-101538")
    Path runDir;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = "train.*, checkpoint.*, threads or device, e.g. -Dtrain.steps=20000")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() {
        Path config = runDir.resolve("config.conf");
        if (!Files.isRegularFile(config)) {
            throw new UserError(runDir + " is not a run directory (it has no config.conf)");
        }
        for (String key : overrides.keySet()) {
            if (!(key.startsWith("train.") || key.startsWith("checkpoint.") || key.equals("threads") || key.equals("device"))) {
                throw new UserError("resume cannot change '" + key + "'; only train.*, checkpoint.*, threads and device");
            }
        }
        Map<String, String> all = new LinkedHashMap<>(overrides);
        Path absolute = runDir.toAbsolutePath().normalize();
        all.put("run.dir", "\"" + absolute.getParent().toString().replace("\\", "\\\\") + "\"");
        all.put("run.id", absolute.getFileName().toString());
        RunSettings settings = SettingsLoader.load(config.toFile(), all);
        Threads.set(settings.threads());
        Path dir = new TrainingRun(settings, Progress.forConsole(System.out, settings.train().printEvery()))
                .resume(TrainCommand.device(settings.device()), absolute);
        System.out.println("run directory: " + dir);
        return 0;
    }
}
