package dev.lfsfarm.common.simulate;

/**
 * One package in a schedule.
 *
 * @param id the package id
 * @param worker the worker it ran on
 * @param cores cores it was given
 * @param startMicros virtual start time, µs from the beginning of the build
 * @param endMicros virtual end time, µs
 */
public record ScheduledRun(String id, String worker, int cores, long startMicros, long endMicros) {
    public long durationMicros() {
        return endMicros - startMicros;
    }
}
