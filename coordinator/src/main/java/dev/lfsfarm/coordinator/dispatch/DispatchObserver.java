package dev.lfsfarm.coordinator.dispatch;

/**
 * Events of the dispatch loop that are counted rather than kept in state (metrics). Called on the
 * dispatcher thread, so implementations must be quick and must not call back into the
 * dispatcher. Every method defaults to doing nothing.
 */
public interface DispatchObserver {
    DispatchObserver NONE = new DispatchObserver() {};

    /** A package went to a worker {@code waitedNanos} after it became READY. */
    default void dispatched(String packageId, long waitedNanos) {}

    /** A worker's lease ran out: its attempts were requeued or failed. */
    default void workerLost(String worker) {}

    /** A package built markedly slower than its history says it should (regression detection). */
    default void regressed(String buildId, String packageId) {}
}
