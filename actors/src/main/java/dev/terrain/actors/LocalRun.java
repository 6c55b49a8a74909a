package dev.terrain.actors;

/**
 * One run in an actor system of its own, for the CLI ({@code ./terrain train} and {@code resume}): starts
 * a {@link RunHost} with the run, blocks the calling (non-actor) thread until the run's outcome, then
 * shuts the system down. {@link #stop()} asks the run to checkpoint and stop (SIGTERM, Ctrl-C).
 */
public final class LocalRun implements RunHandle {
    private final RunHost host;
    private final RunHandle run;

    public LocalRun(RunSpec spec) {
        host = RunHost.start("terrain");
        run = host.launch(spec);
    }

    /** Blocks until the run ends and the actor system is down. */
    @Override
    public RunOutcome await() {
        try {
            return run.await();
        } finally {
            host.close();
        }
    }

    @Override
    public void stop() {
        run.stop();
    }
}
