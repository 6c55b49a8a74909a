package dev.terrain.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM's system properties are not settings: the launcher starts Terrain with {@code -Dterrain.home},
 * and a run's configuration must not carry it (a service started otherwise refused such a configuration
 * as having an unknown setting {@code home}). In a JVM of its own, because Typesafe Config caches
 * system properties per process.
 */
class SystemPropertiesTest {
    @TempDir
    Path runs;

    @Test
    void aRunsConfigurationHoldsNoSystemProperty() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path log = runs.resolve("train.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
                "-Dterrain.home=/somewhere/else", "-Dterrain.train.steps=7", "-Dai.djl.offline=true", "dev.terrain.ops.cli.Main",
                "train", Path.of("..", "examples", "poisson1d-dgm.conf").toString(), "-Dtrain.steps=20", "-Drun.dir=" + runs,
                "-Drun.id=props", "-Dkafka.enabled=false", "-Dprometheus.enabled=false")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        String config = Files.readString(runs.resolve("props/config.conf"));
        assertThat(config).doesNotContain("/somewhere/else").doesNotContain("home");
        try (Stream<String> lines = Files.lines(runs.resolve("props/metrics.jsonl"))) {
            assertThat(lines.reduce((a, b) -> b).orElseThrow()).as("train.steps from -D, not from -Dterrain.train.steps")
                    .contains("\"step\":20");
        }
    }
}
