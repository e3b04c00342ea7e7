package dev.lfsfarm.common.simulate;

import dev.lfsfarm.common.graph.DroppedEdge;
import java.util.List;

/**
 * What a simulated build did.
 *
 * @param config the virtual farm
 * @param schedule every package, ordered by start time, then worker, then id
 * @param makespanMicros end of the last package, µs
 * @param lowerBoundMicros no schedule can be shorter: max(critical path, total single-core work / total cores)
 * @param criticalPath the longest chain of the build, first to last
 * @param criticalPathMicros its length, µs
 * @param droppedEdges edges dropped to break cycles
 */
public record SimulationResult(
        SimulationConfig config,
        List<ScheduledRun> schedule,
        long makespanMicros,
        long lowerBoundMicros,
        List<String> criticalPath,
        long criticalPathMicros,
        List<DroppedEdge> droppedEdges) {

    public SimulationResult {
        schedule = List.copyOf(schedule);
        criticalPath = List.copyOf(criticalPath);
        droppedEdges = List.copyOf(droppedEdges);
    }

    /** Share of the farm's core-time spent building, 0..1. */
    public double utilisation() {
        if (makespanMicros == 0) {
            return 0;
        }
        double used = 0;
        for (ScheduledRun run : schedule) {
            used += (double) run.cores() * run.durationMicros();
        }
        return used / ((double) config.workers() * config.coresPerWorker() * makespanMicros);
    }
}
