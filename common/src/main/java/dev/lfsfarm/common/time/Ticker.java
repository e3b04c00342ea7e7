package dev.lfsfarm.common.time;

/**
 * A source of monotonic nanoseconds for measuring durations (leases, coalescing, latencies), as
 * {@link System#nanoTime()} is; wall-clock time comes from a {@link java.time.Clock}. Loops take
 * both from their owner, so tests and the simulator can drive them with a {@link ManualClock}.
 */
@FunctionalInterface
public interface Ticker {
    /** The system's monotonic clock. */
    Ticker SYSTEM = System::nanoTime;

    /** Nanoseconds from an arbitrary origin; only differences mean anything. */
    long nanos();
}
