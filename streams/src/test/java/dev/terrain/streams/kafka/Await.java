package dev.terrain.streams.kafka;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition until it holds or a deadline passes; the pause between polls keeps a core free. */
final class Await {
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private Await() {
    }

    static void until(BooleanSupplier condition, Duration timeout, String what) {
        until(condition, timeout, what, () -> "");
    }

    /**
     * As {@link #until(BooleanSupplier, Duration, String)}, with {@code state} (read at the deadline) in the
     * failure message.
     */
    static void until(BooleanSupplier condition, Duration timeout, String what, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                String now = state.get();
                throw new AssertionError("not within " + timeout + ": " + what
                        + (now.isEmpty() ? "" : " (" + now + ")"));
            }
            LockSupport.parkNanos(PAUSE_NANOS);
        }
    }
}
