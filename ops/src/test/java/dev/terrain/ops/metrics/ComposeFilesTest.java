package dev.terrain.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker stack's files are valid for the real tools, offline (there is no Docker engine here): the
 * compose file for {@code docker-compose config} (Debian package docker-compose) and the Prometheus
 * configuration for {@code promtool check config} (package prometheus). CI's {@code .ci/run} installs both;
 * without them the checks are reported as skipped, never as passed.
 */
class ComposeFilesTest {
    @Test
    void theComposeFileValidates(@TempDir Path dir) throws Exception {
        Path tool = Binaries.onPath("docker-compose");
        Assumptions.assumeTrue(tool != null, "docker-compose is not on PATH: apt-get install --no-install-recommends docker-compose");
        Result r = run(dir, tool.toString(), "-f", "../docker/docker-compose.yml", "config");
        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output()).contains("kafka:", "prometheus:", "grafana:", "terrain:");
    }

    @Test
    void thePrometheusConfigurationValidates(@TempDir Path dir) throws Exception {
        Path tool = Binaries.onPath("promtool");
        Assumptions.assumeTrue(tool != null, "promtool is not on PATH: apt-get install --no-install-recommends prometheus");
        Result r = run(dir, tool.toString(), "check", "config", "../docker/prometheus/prometheus.yml");
        assertThat(r.code()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS");
    }

    private record Result(int code, String output) {}

    private static Result run(Path dir, String... command) throws Exception {
        Path log = dir.resolve("out.log");
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
        return new Result(p.exitValue(), Files.readString(log));
    }
}
