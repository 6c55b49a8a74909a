package dev.terrain.actors;

import com.typesafe.config.Config;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One actor system that runs training runs side by side, each under its own {@link RunSupervisor}: the
 * CLI hosts one run in a system of its own ({@link LocalRun}), {@code ./terrain serve} hosts every run
 * of the service (and its HTTP server) in one. {@link #launch} is safe from any thread and returns at
 * once with a {@link RunHandle}.
 */
public final class RunHost implements AutoCloseable {
    /** The guardian's one message: start this run and report its supervisor and outcome. */
    private record Launch(RunSpec spec, CompletableFuture<ActorRef<RunSupervisor.Command>> supervisor,
            CompletableFuture<RunOutcome> outcome) {
    }

    private final ActorSystem<Launch> system;

    private RunHost(String name, Config config) {
        this.system = ActorSystem.create(guardian(), name, config);
    }

    /** A host with the pipeline's configuration ({@link Pipeline#config()}). */
    public static RunHost start(String name) {
        return new RunHost(name, Pipeline.config());
    }

    /** The actor system, for servers that share it (Pekko HTTP). */
    public ActorSystem<?> system() {
        return system;
    }

    /** Starts a run; its outcome completes the handle's {@link RunHandle#await()}. */
    public RunHandle launch(RunSpec spec) {
        Launch l = new Launch(spec, new CompletableFuture<>(), new CompletableFuture<>());
        system.tell(l);
        return new Handle(l);
    }

    private Behavior<Launch> guardian() {
        return Behaviors.setup(ctx -> {
            AtomicLong serial = new AtomicLong();
            return Behaviors.receive(Launch.class).onMessage(Launch.class, l -> {
                // The same run id may run again (resumed after a cancel): the serial keeps names unique.
                ctx.spawn(watcher(l), "run-" + serial.incrementAndGet() + "-" + l.spec().runId());
                return Behaviors.same();
            }).build();
        });
    }

    /**
     * Spawns the supervisor and turns its reply into the outcome. The supervisor's reply is queued before
     * its termination notice, so "stopped without an outcome" is only reported when there was none.
     */
    private static Behavior<RunOutcome> watcher(Launch l) {
        return Behaviors.setup(ctx -> {
            ActorRef<RunSupervisor.Command> run = ctx.spawn(RunSupervisor.create(l.spec(), ctx.getSelf()), "run");
            ctx.watch(run);
            l.supervisor().complete(run);
            return Behaviors.receive(RunOutcome.class).onAnyMessage(o -> {
                l.outcome().complete(o);
                return Behaviors.same();
            }).onSignal(Terminated.class, t -> {
                l.outcome().completeExceptionally(new IllegalStateException("the run supervisor of "
                        + l.spec().runId() + " stopped without an outcome; see the log"));
                return Behaviors.stopped();
            }).build();
        });
    }

    private static final class Handle implements RunHandle {
        private final Launch launch;

        Handle(Launch launch) {
            this.launch = launch;
        }

        @Override
        public RunOutcome await() {
            try {
                return launch.outcome().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while training", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            }
        }

        @Override
        public void stop() {
            // Before the supervisor exists the request waits for it; after the run it is a no-op.
            launch.supervisor().thenAccept(run -> run.tell(RunSupervisor.Stop.INSTANCE));
        }
    }

    /** Terminates the system (stopping whatever still runs) and waits up to a minute for it. */
    @Override
    public void close() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // Outcomes are known by now; a slow shutdown is nobody's failure.
        }
    }
}
