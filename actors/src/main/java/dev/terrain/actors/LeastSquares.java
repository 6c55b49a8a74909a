package dev.terrain.actors;

import dev.terrain.model.train.LeastSquaresHead;
import dev.terrain.model.train.LeastSquaresSolver;
import dev.terrain.model.train.Lsgd;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The output-layer solve of LSGD (paper 004 Algorithm 1, lines 3 and 6): the trainer assembles the
 * least-squares system on its device and sends it here as host arrays; this actor solves it (EJML
 * pivoted QR + SVD pseudo-inverse) on the DJL dispatcher and answers with the output weights. A solve
 * that throws is answered with the error (the trainer's step fails and it resumes from its checkpoint).
 */
public final class LeastSquares extends AbstractBehavior<LeastSquares.Command> {
    public sealed interface Command {}

    public record Solve(LeastSquaresHead.LinearSystem system, ActorRef<Solved> replyTo) implements Command {}

    /** {W flattened, b} as {@link LeastSquaresSolver#solve} returns it, or the error. */
    public record Solved(double[][] solution, String error) {}

    private final LeastSquaresSolver solver;
    private final Executor djl;

    public static Behavior<Command> create(LeastSquaresSolver solver) {
        return Behaviors.setup(ctx -> new LeastSquares(ctx, solver));
    }

    private LeastSquares(ActorContext<Command> ctx, LeastSquaresSolver solver) {
        super(ctx);
        this.solver = solver;
        this.djl = Pipeline.djl(ctx.getSystem());
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder().onMessage(Solve.class, this::onSolve).build();
    }

    private Behavior<Command> onSolve(Solve s) {
        // Answer from the solving thread: the reply needs nothing of this actor's state.
        CompletableFuture.supplyAsync(() -> solver.solve(s.system()), djl).whenComplete((x, t) -> s.replyTo().tell(
                t == null ? new Solved(x, null) : new Solved(null, String.valueOf(Checkpointer.rootCause(t).getMessage()))));
        return this;
    }

    /**
     * Makes {@code model}'s LSGD (if it is one) solve through {@code actor}; the calling training thread
     * waits for the answer, as Algorithm 1 needs the solution before the next step.
     */
    static Void install(dev.terrain.model.train.Trainer model, ActorRef<Command> actor, Duration timeout,
            ActorSystem<?> system) {
        if (model.method() instanceof Lsgd lsgd) {
            lsgd.withSolver(system1 -> solveThrough(actor, system1, timeout, system));
        }
        return null;
    }

    private static double[][] solveThrough(ActorRef<Command> actor, LeastSquaresHead.LinearSystem system,
            Duration timeout, ActorSystem<?> actors) {
        Solved s;
        try {
            s = AskPattern.<Command, Solved>ask(actor, replyTo -> new Solve(system, replyTo), timeout, actors.scheduler())
                    .toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for the least-squares solve", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("no least-squares solution within " + timeout + ": " + e.getMessage(), e);
        }
        if (s.error() != null) {
            throw new IllegalStateException("least-squares solve failed: " + s.error());
        }
        return s.solution();
    }
}
