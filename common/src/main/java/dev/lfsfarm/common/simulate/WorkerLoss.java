package dev.lfsfarm.common.simulate;

/**
 * A virtual worker the coordinator declares lost during a simulation: at {@code atMicros} of virtual
 * time (in a real farm, a lease timeout after the worker's last heartbeat) it leaves the farm, and
 * the packages it was building start again elsewhere, or fail past the requeue limit.
 *
 * @param worker the virtual worker's name (worker-1 … worker-K)
 * @param atMicros when it is declared lost, µs from the start of the build
 */
public record WorkerLoss(String worker, long atMicros) {
    public WorkerLoss {
        if (atMicros < 0) {
            throw new IllegalArgumentException("a worker cannot be lost before the build starts: " + atMicros);
        }
    }
}
