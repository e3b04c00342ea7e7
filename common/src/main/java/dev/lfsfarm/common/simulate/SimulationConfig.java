package dev.lfsfarm.common.simulate;

import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.Policy;
import java.util.Map;

/**
 * A virtual farm: {@code workers} identical workers.
 *
 * @param workers how many workers
 * @param coresPerWorker cores each worker gives builds
 * @param slotsPerWorker packages each worker builds at once (defaults to its cores)
 * @param memoryMbPerWorker memory each worker gives builds, MiB
 * @param policy which ready package goes first
 * @param model how long a package takes
 * @param labels labels every virtual worker carries (recipes with labels need matching ones)
 */
public record SimulationConfig(
        int workers,
        int coresPerWorker,
        int slotsPerWorker,
        int memoryMbPerWorker,
        Policy policy,
        DurationModel model,
        Map<String, String> labels) {

    public static final int DEFAULT_MEMORY_MB = 16384;

    public SimulationConfig {
        if (workers < 1) {
            throw new IllegalArgumentException("--workers must be at least 1, got " + workers);
        }
        if (coresPerWorker < 1) {
            throw new IllegalArgumentException("--cores-per-worker must be at least 1, got " + coresPerWorker);
        }
        if (slotsPerWorker < 1) {
            throw new IllegalArgumentException("--slots must be at least 1, got " + slotsPerWorker);
        }
        if (memoryMbPerWorker < 0) {
            throw new IllegalArgumentException("--memory-mb must not be negative, got " + memoryMbPerWorker);
        }
        labels = Map.copyOf(labels);
    }

    /** Workers named worker-1..worker-K with as many slots as cores. */
    public static SimulationConfig of(int workers, int coresPerWorker, Policy policy, DurationModel model) {
        return new SimulationConfig(
                workers, coresPerWorker, coresPerWorker, DEFAULT_MEMORY_MB, policy, model, Map.of());
    }

    public String workerName(int index) {
        return "worker-" + (index + 1);
    }
}
