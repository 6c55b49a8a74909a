package dev.terrain.ops.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.streams.kafka.EmbeddedKafka;
import dev.terrain.streams.kafka.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka cluster goes away in the middle of a run and comes back: training goes on while it is down
 * (its metrics keep coming), and afterwards the topic holds every metrics record of the run, those
 * produced during the outage included (they waited in the publisher's bounded buffer).
 */
class KafkaOutageTest {
    @Test
    void trainingGoesOnWhileKafkaIsDownAndRecordsFollowWhenItIsBack(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("cluster");
        EmbeddedKafka cluster = EmbeddedKafka.start(0, data);
        int port = cluster.port();
        String bootstrap = cluster.bootstrap();
        Path runs = dir.resolve("runs");
        Path metrics = runs.resolve("o").resolve("metrics.jsonl");
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Main.execute(new PrintWriter(err, true),
                "train", ResumeTest.EXAMPLE, "-Drun.dir=" + runs, "-Drun.id=o", "-Dtrain.steps=6000", "-Dtrain.logEvery=50",
                "-Dtrain.printEvery=100000", "-Dprometheus.enabled=false", "-Dkafka.bootstrap=" + bootstrap));
        try {
            long down = awaitStep(metrics, 1000, run);
            cluster.close();
            // While the cluster is down the run keeps training: well over 1000 more steps are logged.
            long stillTraining = awaitStep(metrics, down + 1500, run);
            assertThat(stillTraining).isGreaterThanOrEqualTo(down + 1500);
            cluster = EmbeddedKafka.start(port, data);
            assertThat(run.get(180, TimeUnit.SECONDS)).as(err.toString()).isZero();
            int lines = Files.readAllLines(metrics).size();
            List<Long> steps = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : TopicRecords.readAll(cluster.bootstrap(), "outage-test",
                    List.of(Topics.METRICS), lines)) {
                steps.add(ResumeTest.JSON.readTree(r.value()).get("step").asLong());
            }
            assertThat(steps).hasSize(lines).doesNotHaveDuplicates().contains(down + 500, 6000L);
            JsonNode summary = ResumeTest.JSON.readTree(runs.resolve("o").resolve("summary.json").toFile());
            assertThat(summary.get("status").asText()).isEqualTo("completed");
        } finally {
            cluster.close();
        }
    }

    /** Waits until metrics.jsonl reaches {@code step} (or the run ends) and returns the last logged step. */
    private static long awaitStep(Path metrics, long step, CompletableFuture<Integer> run) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long last = -1;
        while (System.nanoTime() < deadline && !run.isDone()) {
            last = lastStep(metrics);
            if (last >= step) {
                return last;
            }
            Thread.onSpinWait();
        }
        return lastStep(metrics);
    }

    private static long lastStep(Path metrics) throws IOException {
        if (!Files.exists(metrics)) {
            return -1;
        }
        List<String> lines = Files.readAllLines(metrics);
        for (int i = lines.size() - 1; i >= 0; i--) {
            try {
                return ResumeTest.JSON.readTree(lines.get(i)).get("step").asLong();
            } catch (IOException partialLine) {
                // the writer is mid-line; the previous line is complete
            }
        }
        return -1;
    }
}
