package dev.lfsfarm.common.simulate;

/**
 * An attempt cut short because its worker was lost: its work is wasted.
 *
 * @param id the package id
 * @param worker the worker it ran on
 * @param cores cores it was given
 * @param startMicros virtual start time, µs
 * @param lostAtMicros when the worker was declared lost, µs
 * @param requeued true when the package started again; false when it failed (past the requeue limit)
 */
public record LostRun(String id, String worker, int cores, long startMicros, long lostAtMicros, boolean requeued) {
    /** Wall time the attempt had run when it was lost, µs. */
    public long wastedMicros() {
        return lostAtMicros - startMicros;
    }
}
