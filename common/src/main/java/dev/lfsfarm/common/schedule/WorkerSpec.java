package dev.lfsfarm.common.schedule;

import java.util.Map;

/**
 * What a worker offers the scheduler.
 *
 * @param name unique worker name
 * @param slots how many packages it builds at once
 * @param cores cores it gives builds in total
 * @param memoryMb memory it gives builds in total, MiB
 * @param labels matched against recipe labels (every recipe label must be present with the same value)
 */
public record WorkerSpec(String name, int slots, int cores, int memoryMb, Map<String, String> labels) {
    public WorkerSpec {
        if (slots < 1 || cores < 1 || memoryMb < 0) {
            throw new IllegalArgumentException("worker " + name + " needs at least one slot and one core");
        }
        labels = Map.copyOf(labels);
    }
}
