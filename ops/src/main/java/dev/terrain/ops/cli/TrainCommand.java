package dev.terrain.ops.cli;

import ai.djl.Device;
import dev.terrain.model.tensor.Threads;
import dev.terrain.ops.config.RunSettings;
import dev.terrain.ops.config.SettingsLoader;
import dev.terrain.ops.run.TrainingRun;
import java.io.File;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code terrain train <file.conf> [-Dkey=value ...]}: one training run. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a PINN / Ritz model from a HOCON run file; prints the run directory.")
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "run configuration (HOCON), e.g. examples/poisson1d-dgm.conf")
    File config;

    @Option(names = "-D", paramLabel = "KEY=VALUE", description = "override a setting, e.g. -Dtrain.steps=500")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() {
        RunSettings settings = SettingsLoader.load(config, overrides);
        Threads.set(settings.threads());
        Path dir = new TrainingRun(settings, Progress.forConsole(System.out, settings.train().printEvery()))
                .run(device(settings.device()));
        System.out.println("run directory: " + dir);
        return 0;
    }

    static Device device(String setting) {
        return dev.terrain.ops.run.Devices.of(setting);
    }
}
