package dev.terrain.actors;

import dev.terrain.streams.SnapshotHub;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Owns θ and the optimizer state of a run. On (re)start it asks the {@link Checkpointer} for the newest
 * good checkpoint, builds its model from it on the DJL dispatcher, then trains in chunks up to the next
 * event: each chunk runs on the DJL dispatcher and comes back with {@code pipeToSelf}, so the handler
 * never blocks and a {@link Stop} is seen between chunks. Chunk results become messages: metrics to the
 * supervisor, checkpoints to the checkpointer, snapshots into the probes' hub (a non-blocking offer).
 * A failing chunk fails the actor; the supervisor restarts it with backoff and it resumes from the last
 * checkpoint. A NaN/Inf loss is not a failure to retry: it is reported as divergence.
 */
public final class Trainer extends AbstractBehavior<Trainer.Command> {
    public sealed interface Command {}

    /** Finish the current chunk, checkpoint and report {@link RunSupervisor.TrainerStopped}. */
    public enum Stop implements Command { INSTANCE }

    private record GotLatest(Checkpointer.LatestIs latest, Throwable failure) implements Command {}

    private record Opened(TrainerSession session, Throwable failure) implements Command {}

    private record FeedReady(Sampler.FeedOpened opened, Throwable failure) implements Command {}

    private record ChunkDone(TrainerSession.Chunk chunk, Throwable failure) implements Command {}

    /** What a trainer needs from its supervisor: its siblings and the shared step counter. */
    public record Wiring(ActorRef<RunSupervisor.Command> supervisor, ActorRef<Checkpointer.Command> checkpointer,
            ActorRef<Sampler.Command> sampler, ActorRef<LeastSquares.Command> leastSquares, SnapshotHub hub,
            AtomicLong trainerStep, Duration askTimeout) {}

    private final RunSpec spec;
    private final Wiring w;
    private final Executor djl;
    private TrainerSession session;
    private boolean stopRequested;
    private boolean running;

    public static Behavior<Command> create(RunSpec spec, Wiring wiring) {
        return Behaviors.setup(ctx -> {
            ctx.ask(Checkpointer.LatestIs.class, wiring.checkpointer(), wiring.askTimeout(), Checkpointer.Latest::new,
                    GotLatest::new);
            return new Trainer(ctx, spec, wiring);
        });
    }

    private Trainer(ActorContext<Command> ctx, RunSpec spec, Wiring wiring) {
        super(ctx);
        this.spec = spec;
        this.w = wiring;
        this.djl = Pipeline.djl(ctx.getSystem());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(GotLatest.class, this::onLatest)
                .onMessage(Opened.class, this::onOpened)
                .onMessage(FeedReady.class, this::onFeed)
                .onMessage(ChunkDone.class, this::onChunk)
                .onMessageEquals(Stop.INSTANCE, this::onStop)
                .onSignal(PostStop.class, s -> close())
                .onSignal(PreRestart.class, s -> close())
                .build();
    }

    private Behavior<Command> onLatest(GotLatest g) {
        if (g.failure() != null || g.latest().error() != null) {
            throw new IllegalStateException("cannot read the checkpoints: "
                    + (g.failure() != null ? g.failure().getMessage() : g.latest().error()));
        }
        getContext().pipeToSelf(CompletableFuture.supplyAsync(
                () -> TrainerSession.open(spec, g.latest().loaded(), w.trainerStep()), djl), Opened::new);
        return this;
    }

    private Behavior<Command> onOpened(Opened o) {
        if (o.failure() != null) {
            throw failure("building the model", o.failure());
        }
        session = o.session();
        w.supervisor().tell(new RunSupervisor.TrainerStarted(session.firstStep(), session.resumedFrom(), session.initial()));
        if (w.leastSquares() != null) {
            session.with(m -> LeastSquares.install(m, w.leastSquares(), w.askTimeout(), getContext().getSystem()));
        }
        if (w.sampler() != null && session.with(m -> m.resamples())) {
            var batches = session.with(m -> m.batches());
            getContext().ask(Sampler.FeedOpened.class, w.sampler(), w.askTimeout(),
                    replyTo -> new Sampler.OpenFeed(session.firstStep(), batches::at, replyTo), FeedReady::new);
            return this;
        }
        return next();
    }

    private Behavior<Command> onFeed(FeedReady f) {
        if (f.failure() != null) {
            throw failure("opening the sampler's feed", f.failure());
        }
        session.with(m -> m.withBatchSource(f.opened().feed()::take));
        return next();
    }

    private Behavior<Command> next() {
        running = true;
        boolean stop = stopRequested;
        TrainerSession s = session;
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> s.run(stop), djl), ChunkDone::new);
        return this;
    }

    private Behavior<Command> onChunk(ChunkDone d) {
        running = false;
        if (d.failure() != null) {
            RuntimeException e = failure("training", d.failure());
            w.supervisor().tell(new RunSupervisor.TrainerFailed(w.trainerStep().get(), e.getMessage()));
            throw e;
        }
        TrainerSession.Chunk c = d.chunk();
        if (c.checkpoint() != null) {
            w.checkpointer().tell(new Checkpointer.Write(c.checkpoint()));
        }
        if (c.metrics() != null && !c.diverged()) {
            w.supervisor().tell(new RunSupervisor.Metrics(c.metrics()));
        }
        if (c.snapshot() != null) {
            if (w.hub() != null) {
                w.hub().publish(c.snapshot());
            }
            w.supervisor().tell(new RunSupervisor.SnapshotPublished(c.snapshot()));
        }
        if (c.saved() != null) {
            w.supervisor().tell(new RunSupervisor.ParametersSaved(c.saved()));
        }
        if (c.diverged()) {
            w.supervisor().tell(new RunSupervisor.Diverged(c.step(), c.metrics()));
            return done();
        }
        if (c.finished()) {
            w.supervisor().tell(new RunSupervisor.TrainerFinished(c.metrics(), c.finalParameters(), c.evaluations()));
            return done();
        }
        if (c.stopped()) {
            w.supervisor().tell(new RunSupervisor.TrainerStopped(c.step(), c.metrics(), c.evaluations()));
            return done();
        }
        // A stop that arrived during this chunk is handled by the next one, a stop chunk (no steps, a checkpoint).
        return next();
    }

    private Behavior<Command> onStop() {
        if (stopRequested) {
            return this;
        }
        stopRequested = true;
        if (session != null && !running) {
            // Waiting for the sampler: stop where we are.
            return next();
        }
        return this;
    }

    /** Training is over: free the model and wait to be stopped by the supervisor. */
    private Behavior<Command> done() {
        close();
        return Behaviors.receive(Command.class).onAnyMessage(m -> Behaviors.same())
                .onSignal(PostStop.class, s -> Behaviors.same()).build();
    }

    private Behavior<Command> close() {
        if (session != null) {
            session.close();
            session = null;
        }
        return this;
    }

    private static RuntimeException failure(String during, Throwable t) {
        Throwable cause = Checkpointer.rootCause(t);
        return new IllegalStateException("trainer failed " + during + ": " + cause.getClass().getSimpleName() + ": "
                + cause.getMessage(), cause);
    }
}
