package dev.terrain.actors;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

/**
 * Writes the run's checkpoints one at a time on the I/O dispatcher, so the trainer never waits for an
 * fsync. Requests that arrive while a write is in flight wait in a stash and are served in order: a
 * {@link Latest} or {@link Flush} sent after a {@link Write} is answered after that write is on disk. A
 * failed write is reported to the supervisor (the previous checkpoints stay), never fatal to the run.
 */
public final class Checkpointer extends AbstractBehavior<Checkpointer.Command> {
    public sealed interface Command {}

    /** Write this checkpoint (host data only). */
    public record Write(Checkpoint checkpoint) implements Command {}

    /** Reply with the newest good checkpoint once pending writes are done. */
    public record Latest(ActorRef<LatestIs> replyTo) implements Command {}

    public record LatestIs(Optional<CheckpointStore.Loaded> loaded, String error) {}

    /** Reply once every earlier write is on disk. */
    public record Flush(ActorRef<Done> replyTo) implements Command {}

    private record Written(long step, String where, Throwable failure) implements Command {}

    private final CheckpointStore store;
    private final ActorRef<RunSupervisor.Command> supervisor;
    private final Executor io;
    private final StashBuffer<Command> stash;

    public static Behavior<Command> create(CheckpointStore store, ActorRef<RunSupervisor.Command> supervisor) {
        return Behaviors.withStash(10_000, stash -> Behaviors.setup(ctx -> new Checkpointer(ctx, store, supervisor, stash)));
    }

    private Checkpointer(ActorContext<Command> ctx, CheckpointStore store, ActorRef<RunSupervisor.Command> supervisor,
            StashBuffer<Command> stash) {
        super(ctx);
        this.store = store;
        this.supervisor = supervisor;
        this.io = Pipeline.io(ctx.getSystem());
        this.stash = stash;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Write.class, this::onWrite)
                .onMessage(Latest.class, this::onLatest)
                .onMessage(Flush.class, f -> {
                    f.replyTo().tell(Done.getInstance());
                    return this;
                })
                .build();
    }

    private Behavior<Command> onWrite(Write w) {
        long step = w.checkpoint().step();
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> store.save(w.checkpoint()), io),
                (where, failure) -> new Written(step, where, failure));
        return writing();
    }

    private Behavior<Command> onLatest(Latest l) {
        getContext().pipeToSelf(CompletableFuture.supplyAsync(store::latest, io), (loaded, failure) -> {
            l.replyTo().tell(failure == null ? new LatestIs(loaded, null)
                    : new LatestIs(Optional.empty(), String.valueOf(rootCause(failure).getMessage())));
            return new Written(-1, null, null);
        });
        return writing();
    }

    /** A write (or a read) is in flight: everything else waits, in order. */
    private Behavior<Command> writing() {
        return Behaviors.receive(Command.class)
                .onMessage(Written.class, this::onWritten)
                .onAnyMessage(m -> {
                    stash.stash(m);
                    return Behaviors.same();
                })
                .build();
    }

    private Behavior<Command> onWritten(Written w) {
        if (w.failure() != null) {
            Throwable cause = rootCause(w.failure());
            getContext().getLog().warn("checkpoint of step {} failed: {}", w.step(), cause.getMessage());
            supervisor.tell(new RunSupervisor.CheckpointFailed(w.step(), String.valueOf(cause.getMessage())));
        } else if (w.step() >= 0) {
            getContext().getLog().debug("checkpoint of step {} -> {}", w.step(), w.where());
        }
        return stash.unstashAll(this);
    }

    static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
