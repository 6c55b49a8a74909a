package dev.terrain.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchFeedTest {
    private static ActorSystem system;
    private static Materializer materializer;

    @BeforeAll
    static void start() {
        system = ActorSystem.create("batch-feed-test");
        materializer = Materializer.createMaterializer(system);
    }

    @AfterAll
    static void stop() {
        system.terminate();
    }

    @Test
    void batchesArriveInStepOrderFromTheStartStep() {
        try (BatchFeed<String> feed = BatchFeed.start(7, s -> "batch-" + s, 3, 10, materializer)) {
            for (long s = 7; s < 507; s++) {
                assertThat(feed.take(s)).isEqualTo("batch-" + s);
            }
        }
    }

    @Test
    void theProducerStaysAtMostAFewBatchesAhead() throws Exception {
        AtomicLong made = new AtomicLong();
        int ahead = 4;
        try (BatchFeed<Long> feed = BatchFeed.start(0, s -> {
            made.incrementAndGet();
            return s;
        }, ahead, 10, materializer)) {
            for (long s = 0; s < 10; s++) {
                feed.take(s);
            }
            // Wait until the producer has filled the buffer, then check it stopped there.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (made.get() < 10 + ahead && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            long filled = made.get();
            assertThat(filled).isGreaterThanOrEqualTo(10 + ahead);
            // ahead in the buffer + one at the async boundary + one being made + one pulled by Sink.queue
            assertThat(filled).isLessThanOrEqualTo(10 + ahead + 3);
            assertThat(feed.take(10)).isEqualTo(10L);
        }
    }

    @Test
    void aFailingProducerFailsTakeWithTheStep() {
        try (BatchFeed<Long> feed = BatchFeed.start(0, s -> {
            if (s == 3) {
                throw new IllegalStateException("boom at 3");
            }
            return s;
        }, 2, 10, materializer)) {
            assertThat(feed.take(0)).isZero();
            assertThat(feed.take(1)).isEqualTo(1);
            assertThat(feed.take(2)).isEqualTo(2);
            assertThatThrownBy(() -> feed.take(3)).hasMessageContaining("step 3").hasMessageContaining("boom at 3");
        }
    }
}
