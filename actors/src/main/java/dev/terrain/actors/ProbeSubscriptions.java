package dev.terrain.actors;

import dev.terrain.streams.SnapshotHub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The probe workers' subscriptions to the snapshot hub: each keeps its cadence's snapshots, conflates to
 * the newest while its worker is busy (skips counted), and asks the worker one snapshot at a time. An ask
 * that gets no answer within the timeout becomes a failed outcome, never a failed stream. Owned by the
 * run supervisor; outcomes go to it through {@code report}, which must be thread-safe (a {@code tell}).
 */
final class ProbeSubscriptions {
    private final SnapshotHub hub;
    private final Materializer materializer;
    private final Scheduler scheduler;
    private final Duration timeout;
    private final Map<String, LongAdder> skipped = new LinkedHashMap<>();
    private final Map<String, UniqueKillSwitch> switches = new LinkedHashMap<>();
    private final List<CompletableFuture<Done>> drained = new ArrayList<>();

    ProbeSubscriptions(SnapshotHub hub, Materializer materializer, Scheduler scheduler, Duration timeout) {
        this.hub = hub;
        this.materializer = materializer;
        this.scheduler = scheduler;
        this.timeout = timeout;
    }

    /** Subscribes {@code worker} (a child named {@code child}) with the probe's cadence. */
    void add(String child, PipelineSettings.ProbeSpec probe, ActorRef<RoughnessProbe.Command> worker,
            Consumer<RoughnessProbe.Outcome> report) {
        LongAdder count = new LongAdder();
        skipped.put(probe.name(), count);
        Pair<UniqueKillSwitch, CompletionStage<Done>> running = hub.subscribe(probe.every(), count)
                .mapAsync(1, snapshot -> AskPattern.<RoughnessProbe.Command, RoughnessProbe.Outcome>ask(worker,
                        r -> new RoughnessProbe.Analyse(snapshot, r), timeout, scheduler)
                        .exceptionally(t -> new RoughnessProbe.Outcome(probe.name(), snapshot.step(), Map.of(), 0,
                                "no answer within " + timeout + " (" + Checkpointer.rootCause(t).getMessage() + ")")))
                // After the ask: shutting the switch drops an ask still waiting on a worker that gave up.
                .viaMat(KillSwitches.single(), Keep.right())
                .toMat(Sink.foreach(report::accept), Keep.both())
                .run(materializer);
        switches.put(child, running.first());
        drained.add(running.second().toCompletableFuture());
    }

    /** Ends the subscription of a worker that gave up: its snapshots would wait for answers that never come. */
    boolean end(String child) {
        UniqueKillSwitch s = switches.get(child);
        if (s != null) {
            s.shutdown();
        }
        return s != null;
    }

    /** Snapshots probe {@code probe} skipped so far. */
    long skipped(String probe) {
        LongAdder a = skipped.get(probe);
        return a == null ? 0 : a.sum();
    }

    Map<String, Long> skippedByProbe() {
        Map<String, Long> out = new LinkedHashMap<>();
        skipped.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Completes when every subscription has handled its last snapshot (after the hub completes). */
    CompletableFuture<Void> drained() {
        return CompletableFuture.allOf(drained.toArray(CompletableFuture[]::new));
    }
}
