package dev.terrain.actors;

import dev.terrain.streams.ParameterSnapshot;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several listeners as one. A listener that throws (a full disk, a bad record for an output) is logged
 * and skipped for that call: the others still get it and the run's supervisor never fails because of an
 * output. The first failure of each listener is logged as a warning, later ones at debug.
 */
public final class RunListeners implements RunListener {
    private static final Logger LOG = LoggerFactory.getLogger(RunListeners.class);
    private final List<RunListener> listeners;
    private final boolean[] warned;

    private RunListeners(List<RunListener> listeners) {
        this.listeners = List.copyOf(listeners);
        this.warned = new boolean[listeners.size()];
    }

    public static RunListener of(List<RunListener> listeners) {
        return listeners.size() == 1 ? listeners.get(0) : new RunListeners(listeners);
    }

    @Override
    public void metrics(MetricsRecord record) {
        each(l -> l.metrics(record), "metrics of step " + record.step());
    }

    @Override
    public void landscape(LandscapeRecord record) {
        each(l -> l.landscape(record), record.probe() + " result of step " + record.step());
    }

    @Override
    public void event(RunEvent event) {
        each(l -> l.event(event), "event " + event.type());
    }

    @Override
    public void snapshot(ParameterSnapshot snapshot) {
        each(l -> l.snapshot(snapshot), "snapshot of step " + snapshot.step());
    }

    @Override
    public void parameters(ParameterSnapshot snapshot) {
        each(l -> l.parameters(snapshot), "parameters of step " + snapshot.step());
    }

    private void each(Consumer<RunListener> call, String what) {
        for (int i = 0; i < listeners.size(); i++) {
            try {
                call.accept(listeners.get(i));
            } catch (RuntimeException e) {
                if (!warned[i]) {
                    warned[i] = true;
                    LOG.warn("{} could not take the {}: {} (further failures of this output are logged at debug)",
                            listeners.get(i).getClass().getSimpleName(), what, e.toString());
                } else {
                    LOG.debug("{} could not take the {}", listeners.get(i).getClass().getSimpleName(), what, e);
                }
            }
        }
    }
}
