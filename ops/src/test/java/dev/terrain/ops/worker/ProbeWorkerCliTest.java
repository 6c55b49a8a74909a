package dev.terrain.ops.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrain.ops.cli.Main;
import dev.terrain.streams.kafka.EmbeddedKafka;
import dev.terrain.streams.kafka.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ./terrain probe-worker} as its own JVM: it prints one line per snapshot of a run trained in
 * this JVM, and SIGTERM stops it through its shutdown hook, leaving the group at once (no session
 * timeout to wait for).
 */
class ProbeWorkerCliTest {
    private static final Logger LOG = LoggerFactory.getLogger(ProbeWorkerCliTest.class);
    private static final String GROUP = "cli-workers";

    @Test
    void printsALinePerSnapshotAndLeavesTheGroupOnSigterm(@TempDir Path tmp) throws Exception {
        try (EmbeddedKafka broker = EmbeddedKafka.start(0, tmp.resolve("kafka"))) {
            Topics.ensure(broker.bootstrap(), 3, Duration.ofSeconds(30));
            Path log = tmp.resolve("worker.log");
            String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process worker = new ProcessBuilder(List.of(java.toString(), "-cp", classpath, "-Dai.djl.offline=true",
                    "-Dai.djl.pytorch.num_threads=1", "dev.terrain.ops.cli.Main", "probe-worker", "--kafka",
                    broker.bootstrap(), "--group", GROUP, "--id", "cli-worker", "-Dprobes.roughness.enabled=true",
                    "-Dprobes.roughness.every=20", "-Dprobes.roughness.directions=10", "-Dprobes.roughness.intervals=10"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                StringWriter err = new StringWriter();
                int code = Main.execute(new PrintWriter(err, true), "train", "../examples/poisson1d-dgm.conf",
                        "-Drun.dir=" + tmp.resolve("runs"), "-Drun.id=cli", "-Dkafka.bootstrap=" + broker.bootstrap(),
                        "-Dprometheus.enabled=false", "-Dtrain.steps=100", "-Dtrain.printEvery=100000",
                        "-Dpipeline.snapshotEvery=20", "-Dprobes.roughness.enabled=false");
                assertThat(code).as(err.toString()).isZero();

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (probedLines(log).size() < 5 && System.nanoTime() < deadline
                        && !worker.waitFor(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
                assertThat(probedLines(log)).as(Files.readString(log)).hasSize(5).allSatisfy(
                        line -> assertThat(line).matches("run cli step (20|40|60|80|100)  roughness ri \\S+ \\(\\d+\\.\\d\\d s\\)"));
                assertThat(Files.readString(log)).contains("probe worker cli-worker in group " + GROUP);
                assertThat(members(broker.bootstrap())).isEqualTo(1);
            } finally {
                long t0 = System.nanoTime();
                worker.destroy(); // SIGTERM
                assertThat(worker.waitFor(30, TimeUnit.SECONDS)).isTrue();
                LOG.info("probe-worker exited {} ms after SIGTERM", (System.nanoTime() - t0) / 1_000_000);
            }
            // Left the group on the way out: the broker shows no member without waiting for the 45 s session timeout.
            assertThat(members(broker.bootstrap())).isZero();
            assertThat(Files.readString(log)).doesNotContain("error").doesNotContain("Exception");
        }
    }

    private static List<String> probedLines(Path log) throws IOException {
        return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.startsWith("run cli step")).toList()
                : List.of();
    }

    private static int members(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
            return g.members().size();
        }
    }
}
