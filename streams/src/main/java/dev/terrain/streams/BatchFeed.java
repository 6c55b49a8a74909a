package dev.terrain.streams;

import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongFunction;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Collocation batches produced ahead of the trainer: a stream numbers steps from {@code from}, makes
 * each step's batch on its own thread and holds at most {@code ahead} finished batches in a bounded,
 * back-pressured buffer; the trainer {@link #take}s them in step order. A batch is a pure function of
 * its step, so who makes it, and how far ahead, never changes training.
 *
 * @param <T> a host-side batch (never an NDArray)
 */
public final class BatchFeed<T> implements AutoCloseable {
    /** A step's batch, or why it could not be made (a failure travels in order, behind the batches before it). */
    private record Made<T>(long step, T batch, RuntimeException failure) {}

    private final SinkQueueWithCancel<Made<T>> queue;
    private final long timeoutSeconds;

    private BatchFeed(SinkQueueWithCancel<Made<T>> queue, long timeoutSeconds) {
        this.queue = queue;
        this.timeoutSeconds = timeoutSeconds;
    }

    /**
     * Starts producing batches {@code from}, {@code from + 1}, ... with {@code produce}.
     *
     * @param ahead          batches held ready (≥ 1); the producer waits when they are not taken
     * @param timeoutSeconds how long {@link #take} waits for a batch before failing
     */
    public static <T> BatchFeed<T> start(long from, LongFunction<T> produce, int ahead, long timeoutSeconds,
            Materializer materializer) {
        if (ahead < 1) {
            throw new IllegalArgumentException("sampling.ahead must be ≥ 1, got " + ahead);
        }
        SinkQueueWithCancel<Made<T>> queue = Source
                .unfold(from, s -> Optional.of(Pair.create(s + 1, s)))
                // A thrown exception would fail the stream at once and drop the batches already buffered;
                // as an element it arrives after them, at its own step, and ends the stream.
                .map(s -> made(s, produce))
                .takeWhile(m -> m.failure() == null, true)
                .async()
                .buffer(ahead, OverflowStrategy.backpressure())
                // Stages' own input buffers are 1, so only `ahead` batches (plus one crossing each
                // boundary) exist at a time: memory stays bounded however large a batch is.
                .addAttributes(Attributes.inputBuffer(1, 1))
                .runWith(Sink.<Made<T>>queue().addAttributes(Attributes.inputBuffer(1, 1)), materializer);
        return new BatchFeed<>(queue, timeoutSeconds);
    }

    private static <T> Made<T> made(long step, LongFunction<T> produce) {
        try {
            return new Made<>(step, produce.apply(step), null);
        } catch (RuntimeException e) {
            return new Made<>(step, null, e);
        }
    }

    /**
     * The batch of {@code step}; blocks until it is made. Steps must be taken in order from the start
     * step: any other request is a programming error and fails.
     */
    public T take(long step) {
        Optional<Made<T>> next;
        try {
            next = queue.pull().toCompletableFuture().get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the batch of step " + step, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the sampler failed making the batch of step " + step + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no batch for step " + step + " after " + timeoutSeconds + " s", e);
        }
        Made<T> got = next.orElseThrow(() -> new IllegalStateException("the sampler stopped before step " + step));
        if (got.step() != step) {
            throw new IllegalStateException("the sampler made step " + got.step() + " but the trainer is at step " + step);
        }
        if (got.failure() != null) {
            throw new IllegalStateException("the sampler failed making the batch of step " + step + ": "
                    + got.failure().getMessage(), got.failure());
        }
        return got.batch();
    }

    @Override
    public void close() {
        queue.cancel();
    }
}
