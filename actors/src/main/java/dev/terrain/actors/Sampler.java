package dev.terrain.actors;

import dev.terrain.model.quad.HostPoints;
import dev.terrain.streams.BatchFeed;
import java.util.Map;
import java.util.function.LongFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.Materializer;

/**
 * Owns the stream that makes resampled collocation batches ahead of the trainer ({@link BatchFeed}):
 * bounded to {@code pipeline.sampleAhead} batches and back-pressured by the trainer's pace. A trainer
 * (re)starting at step n asks for a feed from n; the previous feed is cancelled. Batches are host points
 * (plain arrays), a pure function of the step, so a restarted feed replays exactly.
 */
public final class Sampler extends AbstractBehavior<Sampler.Command> {
    public sealed interface Command {}

    /** Start a feed at {@code from} that makes batches with {@code batches}; the reply carries it. */
    public record OpenFeed(long from, LongFunction<Map<String, HostPoints>> batches, ActorRef<FeedOpened> replyTo)
            implements Command {}

    public record FeedOpened(BatchFeed<Map<String, HostPoints>> feed) {}

    private final int ahead;
    private final long timeoutSeconds;
    private final Materializer materializer;
    private BatchFeed<Map<String, HostPoints>> current;

    public static Behavior<Command> create(int ahead, long timeoutSeconds) {
        return Behaviors.setup(ctx -> new Sampler(ctx, ahead, timeoutSeconds));
    }

    private Sampler(ActorContext<Command> ctx, int ahead, long timeoutSeconds) {
        super(ctx);
        this.ahead = ahead;
        this.timeoutSeconds = timeoutSeconds;
        this.materializer = Materializer.createMaterializer(ctx);
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(OpenFeed.class, this::onOpen)
                .onSignal(PostStop.class, s -> close())
                .onSignal(PreRestart.class, s -> close())
                .build();
    }

    private Behavior<Command> onOpen(OpenFeed open) {
        close();
        current = BatchFeed.start(open.from(), open.batches(), ahead, timeoutSeconds, materializer);
        open.replyTo().tell(new FeedOpened(current));
        return this;
    }

    private Behavior<Command> close() {
        if (current != null) {
            current.close();
            current = null;
        }
        return this;
    }
}
