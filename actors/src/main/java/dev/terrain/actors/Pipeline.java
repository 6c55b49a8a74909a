package dev.terrain.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;

/** The actor system's configuration and the dispatchers Terrain's actors run work on. */
public final class Pipeline {
    static final String DJL_DISPATCHER = "terrain-pekko.djl-dispatcher";
    static final String IO_DISPATCHER = "terrain-pekko.io-dispatcher";

    private Pipeline() {}

    /** {@code terrain-pekko.conf} over Pekko's own defaults. */
    public static Config config() {
        return ConfigFactory.parseResources(Pipeline.class.getClassLoader(), "terrain-pekko.conf")
                .withFallback(ConfigFactory.defaultReference(Pipeline.class.getClassLoader())).resolve();
    }

    /** The executor all DJL work runs on. */
    static Executor djl(ActorSystem<?> system) {
        return system.dispatchers().lookup(DispatcherSelector.fromConfig(DJL_DISPATCHER));
    }

    /** The executor for blocking file I/O. */
    static Executor io(ActorSystem<?> system) {
        return system.dispatchers().lookup(DispatcherSelector.fromConfig(IO_DISPATCHER));
    }
}
