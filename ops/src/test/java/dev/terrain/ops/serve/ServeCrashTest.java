package dev.terrain.ops.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.terrain.ops.RunDirs;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./terrain serve} in a JVM of its own, killed with SIGKILL while one run trains and one waits,
 * then started again on the same directory: both runs complete, the running one from its checkpoint
 * (its steps continue). Then SIGTERM drains a service: its active run checkpoints, stays resumable, and
 * the next service finishes it.
 */
class ServeCrashTest {
    private static final Pattern SERVING = Pattern.compile("serving on (http://\\S+)");
    @TempDir
    Path runs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void aKilledServiceResumesItsRunningRunFromTheCheckpointAndRunsTheQueuedOneAndSigtermDrains() throws Exception {
        String base = startService("first");
        // 2000 steps take a few seconds: long enough to be killed mid-run after its second checkpoint.
        String longRun = ServeTest.RUN.replace("steps = 400", "steps = 2000") + "run.id = long\n";
        assertThat(ServeTest.submit(http, base, longRun)).isEqualTo("long");
        assertThat(ServeTest.submit(http, base, ServeTest.RUN + "run.id = queued\n")).isEqualTo("queued");
        Path dir = runs.resolve("long");
        awaitCheckpoints(dir, 2, processes.get(0));
        assertThat(ServeTest.send(http, base, "GET", "/runs/queued", null, null).json().path("state").asText())
                .isEqualTo("queued");
        processes.get(0).destroyForcibly(); // SIGKILL: no drain, no final files
        assertThat(processes.get(0).waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(dir.resolve("summary.json")).doesNotExist();
        long lastLoggedBeforeKill = RunDirs.lastStep(dir);

        base = startService("second");
        JsonNode resumed = ServeTest.awaitState(http, base, "long", s -> s.equals("completed"));
        JsonNode queued = ServeTest.awaitState(http, base, "queued", s -> s.equals("completed"));
        assertThat(resumed.path("starts").asInt()).as("started by each service once").isEqualTo(2);
        assertThat(queued.path("starts").asInt()).isEqualTo(1);
        JsonNode summary = ServeTest.JSON.readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.path("status").asText()).isEqualTo("completed");
        assertThat(summary.path("steps").asLong()).isEqualTo(2000);
        long from = summary.path("resumed_from_step").asLong();
        assertThat(from).as("resumed from a checkpoint, not from step 0").isGreaterThanOrEqualTo(200);
        assertThat(from % 100).isZero();
        // The step count continues: metrics.jsonl logs every step once, increasing, up to the last.
        List<Long> steps = RunDirs.steps(dir);
        assertThat(steps).isSorted().doesNotHaveDuplicates().contains(lastLoggedBeforeKill).endsWith(2000L);
        assertThat(ServeTest.JSON.readTree(runs.resolve("queued/summary.json").toFile()).path("status").asText())
                .isEqualTo("completed");

        // SIGTERM drains: the active run checkpoints and stays "running" on disk for the next service.
        assertThat(ServeTest.submit(http, base, longRun.replace("run.id = long", "run.id = drained"))).isEqualTo("drained");
        Path drained = runs.resolve("drained");
        awaitCheckpoints(drained, 1, processes.get(1));
        processes.get(1).destroy(); // SIGTERM
        assertThat(processes.get(1).waitFor(120, TimeUnit.SECONDS)).as("the service exits after draining").isTrue();
        assertThat(Files.readString(runs.resolve("second.log"))).contains("terrain serve: stopped");
        JsonNode state = ServeTest.JSON.readTree(runs.resolve(".service/drained.json").toFile());
        assertThat(state.path("state").asText()).isEqualTo("running");
        JsonNode interrupted = ServeTest.JSON.readTree(drained.resolve("summary.json").toFile());
        assertThat(interrupted.path("status").asText()).isEqualTo("interrupted");
        long drainedAt = interrupted.path("steps").asLong();
        assertThat(drainedAt).isBetween(1L, 1999L);

        base = startService("third");
        ServeTest.awaitState(http, base, "drained", s -> s.equals("completed"));
        JsonNode done = ServeTest.JSON.readTree(drained.resolve("summary.json").toFile());
        assertThat(done.path("resumed_from_step").asLong()).as("the drain's checkpoint").isEqualTo(drainedAt);
        assertThat(RunDirs.steps(drained)).isSorted().doesNotHaveDuplicates().endsWith(2000L);
    }

    /** Starts {@code ./terrain serve} on {@link #runs} in a JVM of its own and returns its base URL. */
    private String startService(String name) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path log = runs.resolve(name + ".log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "dev.terrain.ops.cli.Main", "serve",
                "-Drun.dir=" + runs, "-Dserve.port=0", "-Dkafka.enabled=false", "-Dprometheus.enabled=false")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && p.isAlive()) {
            Matcher m = SERVING.matcher(Files.readString(log));
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the service did not start; its log: " + Files.readString(log));
    }

    private static void awaitCheckpoints(Path dir, int count, Process service) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (RunDirs.checkpoints(dir) < count) {
            assertThat(System.nanoTime()).as("%d checkpoints in %s within 120 s", count, dir).isLessThan(deadline);
            assertThat(service.isAlive()).as("the service is alive").isTrue();
            Thread.sleep(20);
        }
    }

}
