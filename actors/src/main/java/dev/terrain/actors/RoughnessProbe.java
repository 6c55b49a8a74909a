package dev.terrain.actors;

import ai.djl.Device;
import dev.terrain.model.train.Trainer;
import dev.terrain.streams.ParameterSnapshot;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * A landscape-probe worker of the pool: runs one {@link Probe} on the snapshots its subscription hands
 * it, on the DJL dispatcher, against its own copy of the model (built once per incarnation, on its own
 * NDManager; the snapshot's values are loaded into it). It answers every request, success or failure,
 * and then fails itself on a probe failure so the supervisor restarts it with backoff and a fresh model.
 */
public final class RoughnessProbe extends AbstractBehavior<RoughnessProbe.Command> {
    public sealed interface Command {}

    /** Analyse this snapshot and reply with the outcome. */
    public record Analyse(ParameterSnapshot snapshot, ActorRef<Outcome> replyTo) implements Command {}

    /** What one probe run found: figures and wall time, or the error. */
    public record Outcome(String probe, long step, Map<String, Object> figures, double wallSeconds, String error) {}

    private record Finished(Analyse request, Outcome outcome, Throwable failure) implements Command {}

    private final String name;
    private final Probe probe;
    private final ModelCopy copy;
    private final Executor djl;

    public static Behavior<Command> create(String name, Probe probe, RunModel model, Device device,
            ActorRef<RunSupervisor.Command> supervisor) {
        return Behaviors.setup(ctx -> {
            supervisor.tell(new RunSupervisor.ProbeStarted(name));
            return new RoughnessProbe(ctx, name, probe, new ModelCopy(model, device));
        });
    }

    private RoughnessProbe(ActorContext<Command> ctx, String name, Probe probe, ModelCopy copy) {
        super(ctx);
        this.name = name;
        this.probe = probe;
        this.copy = copy;
        this.djl = Pipeline.djl(ctx.getSystem());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Analyse.class, this::onAnalyse)
                .onMessage(Finished.class, this::onFinished)
                .onSignal(PostStop.class, s -> release())
                .onSignal(PreRestart.class, s -> release())
                .build();
    }

    private Behavior<Command> onAnalyse(Analyse a) {
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> analyse(a.snapshot()), djl),
                (outcome, failure) -> new Finished(a, outcome, failure));
        return this;
    }

    /** On the DJL dispatcher: load the snapshot into this worker's model and run the probe. */
    private Outcome analyse(ParameterSnapshot s) {
        Trainer model = copy.acquire();
        try {
            long start = System.nanoTime();
            model.objective().network().parameters().load(s.values());
            model.skipTo(s.step());
            Map<String, Object> figures = probe.run(model, s);
            return new Outcome(name, s.step(), figures, (System.nanoTime() - start) / 1e9, null);
        } finally {
            copy.release();
        }
    }

    private Behavior<Command> onFinished(Finished f) {
        if (f.failure() == null) {
            f.request().replyTo().tell(f.outcome());
            return this;
        }
        Throwable cause = Checkpointer.rootCause(f.failure());
        String why = cause.getClass().getSimpleName() + ": " + cause.getMessage();
        f.request().replyTo().tell(new Outcome(name, f.request().snapshot().step(), Map.of(), 0, why));
        // Let the supervisor restart this worker (with backoff) on a fresh copy of the model.
        throw new ProbeFailedException(name, f.request().snapshot().step(), cause);
    }

    private Behavior<Command> release() {
        copy.close();
        return this;
    }

    /** Thrown to have the worker restarted after a probe failure (already answered to the requester). */
    static final class ProbeFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ProbeFailedException(String probe, long step, Throwable cause) {
            super("probe " + probe + " failed at step " + step + ": " + cause.getMessage(), cause);
        }
    }
}
