package dev.terrain.actors;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One run in an actor system of its own, for the CLI ({@code ./terrain train} and {@code resume}): starts
 * the system with a {@link RunSupervisor}, blocks the calling (non-actor) thread until the run's outcome,
 * then shuts the system down. {@link #stop()} asks the run to checkpoint and stop (SIGTERM, Ctrl-C).
 */
public final class LocalRun {
    private final CompletableFuture<RunOutcome> outcome = new CompletableFuture<>();
    private final AtomicReference<ActorRef<RunSupervisor.Command>> supervisor = new AtomicReference<>();
    private final ActorSystem<RunOutcome> system;

    public LocalRun(RunSpec spec) {
        // The guardian receives the outcome itself: the supervisor's reply is queued before its
        // termination notice, so "stopped without an outcome" is only seen when there was none.
        system = ActorSystem.create(Behaviors.setup(ctx -> {
            ActorRef<RunSupervisor.Command> run = ctx.spawn(RunSupervisor.create(spec, ctx.getSelf()), "run");
            ctx.watch(run);
            supervisor.set(run);
            return Behaviors.receive(RunOutcome.class).onAnyMessage(o -> {
                outcome.complete(o);
                return Behaviors.same();
            }).onSignal(Terminated.class, t -> {
                outcome.completeExceptionally(new IllegalStateException("the run supervisor of " + spec.runId()
                        + " stopped without an outcome; see the log"));
                return Behaviors.same();
            }).build();
        }), "terrain", Pipeline.config());
    }

    /** Blocks until the run ends and the actor system is down. */
    public RunOutcome await() {
        try {
            return outcome.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while training", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } finally {
            shutdown();
        }
    }

    /** Asks the run to checkpoint and stop; {@link #await()} then returns an {@code interrupted} outcome. */
    public void stop() {
        ActorRef<RunSupervisor.Command> run = supervisor.get();
        if (run != null) {
            run.tell(RunSupervisor.Stop.INSTANCE);
        }
    }

    private void shutdown() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // The outcome is already known; a slow shutdown is not the run's failure.
        }
    }
}
