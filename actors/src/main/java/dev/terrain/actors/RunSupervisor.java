package dev.terrain.actors;

import dev.terrain.model.train.LeastSquaresSolver;
import dev.terrain.streams.ParameterSnapshot;
import dev.terrain.streams.SnapshotHub;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.Materializer;

/**
 * One run: spawns and watches the {@link Trainer}, {@link Sampler}, {@link LeastSquares} (LSGD only),
 * one {@link RoughnessProbe} worker per configured probe and the {@link Checkpointer}, all supervised
 * with restart backoff declared here, in {@link #supervised}. Probes subscribe to the trainer's
 * {@link SnapshotHub} with keep-latest conflation, so a slow or failing probe never slows training.
 * Results go to the {@link RunListener}; the {@link RunOutcome} goes to {@code replyTo} when the run
 * completes, diverges, is stopped or fails, and then this actor stops (and its children with it).
 */
public final class RunSupervisor extends AbstractBehavior<RunSupervisor.Command> {
    public sealed interface Command {}

    /** Stop the run: checkpoint where the trainer is and answer {@code interrupted}. */
    public enum Stop implements Command { INSTANCE }

    record TrainerStarted(long step, CheckpointStore.Loaded resumedFrom, MetricsRecord initial) implements Command {}

    record Metrics(MetricsRecord record) implements Command {}

    record ParametersSaved(ParameterSnapshot snapshot) implements Command {}

    record SnapshotPublished(ParameterSnapshot snapshot) implements Command {}

    record TrainerFinished(MetricsRecord last, ParameterSnapshot parameters, long evaluations) implements Command {}

    record TrainerStopped(long step, MetricsRecord last, long evaluations) implements Command {}

    record TrainerFailed(long step, String error) implements Command {}

    record Diverged(long step, MetricsRecord last) implements Command {}

    record CheckpointFailed(long step, String error) implements Command {}

    record ProbeStarted(String probe) implements Command {}

    private record ProbeReported(RoughnessProbe.Outcome outcome) implements Command {}

    private record ProbesDrained() implements Command {}

    private record Flushed(String status, String error) implements Command {}

    private record ChildStopped(String child) implements Command {}

    private final RunSpec spec;
    private final ActorRef<RunOutcome> replyTo;
    private final RunListener listener;
    private final AtomicLong trainerStep = new AtomicLong();
    private final SnapshotHub hub;
    private final ProbeSubscriptions subscriptions;
    private final Map<String, Integer> probeStarts = new LinkedHashMap<>();
    private final Map<String, Integer> probeFailures = new LinkedHashMap<>();
    private final ActorRef<Checkpointer.Command> checkpointer;
    private final ActorRef<Trainer.Command> trainer;
    private long lastMetricsStep;
    private long firstStep = -1;
    private CheckpointStore.Loaded resumedFrom;
    private MetricsRecord last;
    private ParameterSnapshot finalParameters;
    private long evaluations;
    private int trainerFailures;
    private String lastTrainerError;
    private boolean trainerDone;
    private boolean finishing;

    public static Behavior<Command> create(RunSpec spec, ActorRef<RunOutcome> replyTo) {
        return Behaviors.setup(ctx -> new RunSupervisor(ctx, spec, replyTo));
    }

    private RunSupervisor(ActorContext<Command> ctx, RunSpec spec, ActorRef<RunOutcome> replyTo) {
        super(ctx);
        this.spec = spec;
        this.replyTo = replyTo;
        this.listener = spec.listener();
        this.lastMetricsStep = spec.loggedThrough();
        PipelineSettings p = spec.pipeline();
        Duration ask = p.probeTimeout();
        checkpointer = spawn("checkpointer", Checkpointer.create(spec.store(), ctx.getSelf()), p.probeRestart());
        ActorRef<Sampler.Command> sampler = spawn("sampler", Sampler.create(p.sampleAhead(), ask.toSeconds()),
                p.probeRestart());
        ActorRef<LeastSquares.Command> leastSquares = p.leastSquares()
                ? spawn("least-squares", LeastSquares.create(LeastSquaresSolver.LOCAL), p.probeRestart()) : null;
        Materializer materializer = Materializer.createMaterializer(ctx);
        hub = p.probes().isEmpty() ? null : new SnapshotHub(materializer, p.probes().size(), p.snapshotBuffer());
        subscriptions = new ProbeSubscriptions(hub, materializer, ctx.getSystem().scheduler(), ask);
        ActorRef<Command> self = ctx.getSelf();
        for (PipelineSettings.ProbeSpec probe : p.probes()) {
            String name = "probe-" + probe.name();
            ActorRef<RoughnessProbe.Command> worker = spawn(name,
                    RoughnessProbe.create(probe.name(), probe.probe(), spec.model(), spec.device(), self), p.probeRestart());
            subscriptions.add(name, probe, worker, o -> self.tell(new ProbeReported(o)));
        }
        trainer = spawn("trainer", Trainer.create(spec, new Trainer.Wiring(ctx.getSelf(), checkpointer, sampler,
                leastSquares, hub, trainerStep, ask)), p.trainerRestart());
    }

    /** Every child is supervised here: restart with exponential backoff, a bounded number of times. */
    private <T> ActorRef<T> spawn(String name, Behavior<T> behavior, PipelineSettings.Backoff b) {
        ActorRef<T> child = getContext().spawn(supervised(behavior, b), name);
        getContext().watchWith(child, new ChildStopped(name));
        return child;
    }

    static <T> Behavior<T> supervised(Behavior<T> behavior, PipelineSettings.Backoff b) {
        return Behaviors.supervise(behavior).onFailure(Exception.class,
                SupervisorStrategy.restartWithBackoff(b.min(), b.max(), b.randomFactor()).withMaxRestarts(b.maxRestarts())
                        // Failures are reported as run events (and logged once there); the stack trace is for debugging.
                        .withLogLevel(org.slf4j.event.Level.DEBUG));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(TrainerStarted.class, this::onTrainerStarted)
                .onMessage(Metrics.class, m -> {
                    metrics(m.record());
                    return this;
                })
                .onMessage(SnapshotPublished.class, s -> {
                    listener.snapshot(s.snapshot());
                    return this;
                })
                .onMessage(ParametersSaved.class, s -> {
                    listener.parameters(s.snapshot());
                    return this;
                })
                .onMessage(TrainerFinished.class, this::onFinished)
                .onMessage(TrainerStopped.class, this::onStopped)
                .onMessage(TrainerFailed.class, this::onTrainerFailed)
                .onMessage(Diverged.class, this::onDiverged)
                .onMessage(CheckpointFailed.class, c -> {
                    event("checkpoint-failed", c.step(), c.error());
                    return this;
                })
                .onMessage(ProbeStarted.class, this::onProbeStarted)
                .onMessage(ProbeReported.class, this::onProbeReported)
                .onMessageEquals(Stop.INSTANCE, this::onStop)
                .onMessage(Flushed.class, this::onFlushed)
                .onMessage(ChildStopped.class, this::onChildStopped)
                .build();
    }

    private Behavior<Command> onTrainerStarted(TrainerStarted s) {
        if (firstStep < 0) {
            firstStep = s.step();
            resumedFrom = s.resumedFrom();
            event(s.resumedFrom() == null ? "started" : "resumed", s.step(),
                    s.resumedFrom() == null ? "training from step 0" : "from " + s.resumedFrom().source());
        } else {
            event("trainer-restarted", s.step(), "resumed from "
                    + (s.resumedFrom() == null ? "step 0 (no checkpoint yet)" : s.resumedFrom().source()));
        }
        if (s.initial() != null) {
            metrics(s.initial());
        }
        return this;
    }

    /**
     * Metrics of steps already reported (re-run after a trainer restart, or by the process a resumed run
     * continues) are not repeated, on any output.
     */
    private void metrics(MetricsRecord r) {
        if (r.step() > lastMetricsStep) {
            lastMetricsStep = r.step();
            last = r;
            listener.metrics(r);
        }
    }

    private Behavior<Command> onTrainerFailed(TrainerFailed f) {
        trainerFailures++;
        lastTrainerError = f.error();
        getContext().getLog().warn("run {}: {} (step {}); restarting from the last checkpoint", spec.runId(), f.error(), f.step());
        event("trainer-failed", f.step(), f.error());
        return this;
    }

    private Behavior<Command> onFinished(TrainerFinished f) {
        trainerDone = true;
        if (f.last() != null) {
            metrics(f.last());
        }
        finalParameters = f.parameters();
        evaluations = f.evaluations();
        return finish("completed", null, true);
    }

    private Behavior<Command> onStopped(TrainerStopped s) {
        trainerDone = true;
        if (s.last() != null) {
            metrics(s.last());
        }
        evaluations = s.evaluations();
        return finish("interrupted", null, false);
    }

    private Behavior<Command> onDiverged(Diverged d) {
        trainerDone = true;
        double value = d.last() == null ? Double.NaN : d.last().total();
        String why = "loss became " + value + " at step " + d.step()
                + "; lower optimizer.lr or use float64 (the last good checkpoint is kept)";
        return finish("diverged", why, false);
    }

    private Behavior<Command> onStop() {
        if (!finishing && !trainerDone) {
            event("stop-requested", trainerStep.get(), "checkpointing and stopping");
            trainer.tell(Trainer.Stop.INSTANCE);
        }
        return this;
    }

    /** Waits for pending checkpoints, then for the probes (only when the run completed), then answers. */
    private Behavior<Command> finish(String status, String error, boolean drainProbes) {
        if (finishing) {
            return this;
        }
        finishing = true;
        if (hub != null) {
            hub.complete();
        }
        CompletableFuture<Done> flushed = AskPattern.<Checkpointer.Command, Done>ask(checkpointer, Checkpointer.Flush::new,
                spec.pipeline().probeTimeout(), getContext().getSystem().scheduler()).toCompletableFuture();
        CompletableFuture<?> all = drainProbes ? flushed.thenCombine(subscriptions.drained(), (a, b) -> a) : flushed;
        getContext().pipeToSelf(all, (ok, failure) -> new Flushed(status,
                error != null ? error : failure == null ? null : "checkpoints not flushed: " + failure.getMessage()));
        return this;
    }

    private Behavior<Command> onFlushed(Flushed f) {
        event(f.status(), trainerStep.get(), f.error() == null ? "" : f.error());
        return reply(f.status(), f.error());
    }

    private Behavior<Command> reply(String status, String error) {
        Map<String, Integer> restarts = new LinkedHashMap<>();
        probeStarts.forEach((k, v) -> restarts.put(k, Math.max(0, v - 1)));
        replyTo.tell(new RunOutcome(status, trainerStep.get(), Math.max(firstStep, 0), last,
                status.equals("completed") ? finalParameters : null, evaluations, error, trainerFailures, restarts,
                probeFailures, subscriptions.skippedByProbe(), hub == null ? 0 : hub.published(), resumedFrom));
        return Behaviors.stopped();
    }

    private Behavior<Command> onProbeStarted(ProbeStarted s) {
        int n = probeStarts.merge(s.probe(), 1, Integer::sum);
        if (n > 1) {
            event("probe-restarted", trainerStep.get(), s.probe() + " (restart " + (n - 1) + ")");
        }
        return this;
    }

    private Behavior<Command> onProbeReported(ProbeReported r) {
        RoughnessProbe.Outcome o = r.outcome();
        long lag = Math.max(0, trainerStep.get() - o.step());
        if (o.error() != null) {
            probeFailures.merge(o.probe(), 1, Integer::sum);
            event("probe-failed", o.step(), o.probe() + ": " + o.error());
        }
        listener.landscape(new LandscapeRecord(spec.runId(), o.step(), o.probe(), o.figures(), o.wallSeconds(), lag,
                subscriptions.skipped(o.probe()), o.error()));
        return this;
    }

    private Behavior<Command> onChildStopped(ChildStopped c) {
        if (finishing) {
            return this;
        }
        if (c.child().equals("trainer") || c.child().equals("checkpointer")) {
            String why = c.child() + " stopped after " + trainerFailures + " failures"
                    + (lastTrainerError == null ? "" : "; last: " + lastTrainerError);
            finishing = true;
            event("failed", trainerStep.get(), why);
            return reply("failed", why);
        }
        subscriptions.end(c.child());
        event("child-stopped", trainerStep.get(), c.child() + " gave up after repeated failures; training goes on");
        return this;
    }

    private void event(String type, long step, String message) {
        listener.event(RunEvent.of(spec.runId(), type, step, message));
    }
}
