package dev.terrain.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SnapshotHubTest {
    private static ActorSystem system;
    private static Materializer materializer;

    @BeforeAll
    static void start() {
        system = ActorSystem.create("snapshot-hub-test");
        materializer = Materializer.createMaterializer(system);
    }

    @AfterAll
    static void stop() {
        system.terminate();
    }

    static ParameterSnapshot snapshot(long step) {
        return new ParameterSnapshot("r", step, "float64", List.of(new ParameterSnapshot.Tensor("w", new long[] {2})),
                new double[] {step, -step}, Map.of("pde", 1.0 / (step + 1)), 1.0 / (step + 1), "adam");
    }

    @Test
    void aFastSubscriberSeesEverySnapshotOfItsCadenceInOrder() throws Exception {
        SnapshotHub hub = new SnapshotHub(materializer, 2, 64);
        LongAdder skippedAll = new LongAdder();
        LongAdder skippedEven = new LongAdder();
        CompletableFuture<List<ParameterSnapshot>> all = hub.subscribe(1, skippedAll)
                .runWith(Sink.seq(), materializer).toCompletableFuture();
        CompletableFuture<List<ParameterSnapshot>> even = hub.subscribe(2, skippedEven)
                .runWith(Sink.seq(), materializer).toCompletableFuture();
        for (long s = 1; s <= 20; s++) {
            assertThat(hub.publish(snapshot(s))).isTrue();
        }
        hub.complete();
        List<Long> steps = all.get(10, TimeUnit.SECONDS).stream().map(ParameterSnapshot::step).toList();
        List<Long> evenSteps = even.get(10, TimeUnit.SECONDS).stream().map(ParameterSnapshot::step).toList();
        // Sink.seq never back-pressures for long, but conflation may still merge under scheduling; what
        // arrives is in order, ends with the last snapshot, and what is missing was counted.
        assertThat(steps).isSorted().endsWith(20L);
        assertThat(steps.size() + skippedAll.sum()).isEqualTo(20);
        assertThat(evenSteps).allMatch(s -> s % 2 == 0).isSorted().endsWith(20L);
        assertThat(evenSteps.size() + skippedEven.sum()).isEqualTo(10);
        assertThat(hub.published()).isEqualTo(20);
    }

    @Test
    void aBlockedSubscriberSkipsSnapshotsAndNeverHoldsUpThePublisherOrTheOthers() throws Exception {
        SnapshotHub hub = new SnapshotHub(materializer, 2, 4);
        LongAdder slowSkipped = new LongAdder();
        LongAdder fastSkipped = new LongAdder();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch slowStarted = new CountDownLatch(1);
        List<Long> slowSeen = new ArrayList<>();
        CompletableFuture<?> slow = hub.subscribe(1, slowSkipped)
                .mapAsync(1, s -> CompletableFuture.supplyAsync(() -> {
                    slowStarted.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return s.step();
                }))
                .runWith(Sink.foreach(slowSeen::add), materializer).toCompletableFuture();
        CompletableFuture<List<ParameterSnapshot>> fast = hub.subscribe(1, fastSkipped)
                .runWith(Sink.seq(), materializer).toCompletableFuture();
        assertThat(hub.publish(snapshot(1))).isTrue();
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
        // The slow probe is stuck on snapshot 1; 500 more are published without one being refused.
        for (long s = 2; s <= 501; s++) {
            while (!hub.publish(snapshot(s))) {
                // the hub's own 4-slot buffer is momentarily full while the fast subscriber drains it
                Thread.onSpinWait();
            }
        }
        hub.complete();
        List<ParameterSnapshot> fastSeen = fast.get(10, TimeUnit.SECONDS);
        assertThat(fastSeen.get(fastSeen.size() - 1).step()).isEqualTo(501);
        release.countDown();
        slow.get(10, TimeUnit.SECONDS);
        // The stuck probe saw the first snapshot and then only the newest one; the rest were skipped and counted.
        assertThat(slowSeen).containsExactly(1L, 501L);
        assertThat(slowSkipped.sum()).isEqualTo(499);
    }

    @Test
    void aFullHubRefusesInsteadOfBlocking() {
        // One subscriber expected but none attached: the hub holds its buffer and then refuses.
        SnapshotHub hub = new SnapshotHub(materializer, 1, 2);
        long refused = 0;
        for (long s = 1; s <= 100; s++) {
            if (!hub.publish(snapshot(s))) {
                refused++;
            }
        }
        assertThat(refused).isGreaterThanOrEqualTo(100 - 2 - 16 - 2);
        assertThat(hub.rejected()).isEqualTo(refused);
        hub.complete();
    }
}
