package dev.terrain.streams;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.BroadcastHub;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The broadcast point between the trainer and the landscape probes. The trainer {@link #publish}es
 * snapshots into a bounded queue that never blocks (a full queue drops the snapshot and counts it);
 * a {@link BroadcastHub} hands every snapshot to every subscriber. Each {@link #subscribe subscriber}
 * keeps only its cadence's snapshots and conflates to the latest one while it is busy, so a slow probe
 * skips snapshots (counted per subscriber) instead of back-pressuring the trainer.
 *
 * <p>The hub starts delivering once {@code subscribers} subscriptions are materialized, so no probe
 * misses the first snapshots because it attached late.
 */
public final class SnapshotHub {
    /** BroadcastHub's buffer: a power of two; subscribers conflate, so it never fills in practice. */
    private static final int HUB_BUFFER = 16;

    private final BoundedSourceQueue<ParameterSnapshot> queue;
    private final Source<ParameterSnapshot, NotUsed> broadcast;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    /**
     * @param subscribers how many subscriptions will be made (delivery starts when all are attached)
     * @param buffer      snapshots the trainer may be ahead of the hub before publishing drops them
     */
    public SnapshotHub(Materializer materializer, int subscribers, int buffer) {
        if (subscribers < 1 || buffer < 1) {
            throw new IllegalArgumentException("a snapshot hub needs ≥ 1 subscriber and a buffer ≥ 1, got "
                    + subscribers + " and " + buffer);
        }
        Pair<BoundedSourceQueue<ParameterSnapshot>, Source<ParameterSnapshot, NotUsed>> hub = Source
                .<ParameterSnapshot>queue(buffer)
                .toMat(BroadcastHub.of(ParameterSnapshot.class, subscribers, HUB_BUFFER),
                        org.apache.pekko.stream.javadsl.Keep.both())
                .run(materializer);
        this.queue = hub.first();
        this.broadcast = hub.second();
    }

    /**
     * Offers a snapshot without ever blocking the caller. Returns false (and counts it) when the hub's
     * buffer is full or the hub is closed.
     */
    public boolean publish(ParameterSnapshot snapshot) {
        QueueOfferResult r = queue.offer(snapshot);
        if (r == QueueOfferResult.enqueued()) {
            published.incrementAndGet();
            return true;
        }
        rejected.incrementAndGet();
        return false;
    }

    /**
     * A subscription: the snapshots whose step is a multiple of {@code every}, conflated to the newest
     * while downstream is busy; every snapshot replaced before it was taken adds one to {@code skipped}.
     * Materialize it before publishing starts (see the class comment).
     */
    public Source<ParameterSnapshot, NotUsed> subscribe(long every, LongAdder skipped) {
        if (every < 1) {
            throw new IllegalArgumentException("a probe cadence must be ≥ 1 step, got " + every);
        }
        return broadcast.filter(s -> s.step() % every == 0)
                .conflateWithSeed(s -> s, (older, newer) -> {
                    skipped.increment();
                    return newer;
                });
    }

    /** No more snapshots: subscribers finish after the ones they hold. */
    public void complete() {
        if (!queue.isCompleted()) {
            queue.complete();
        }
    }

    public long published() {
        return published.get();
    }

    /** Snapshots the hub itself refused because its buffer was full (not the probes' conflation). */
    public long rejected() {
        return rejected.get();
    }
}
