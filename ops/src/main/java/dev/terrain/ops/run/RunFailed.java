package dev.terrain.ops.run;

/**
 * A run that ended without completing (diverged, or the trainer gave up after its restarts): the CLI
 * prints the message on one line and exits with {@link #EXIT_CODE}; the run directory keeps its
 * summary, metrics and last good checkpoint.
 */
public final class RunFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public static final int EXIT_CODE = 3;

    public RunFailed(String message) {
        super(message);
    }
}
