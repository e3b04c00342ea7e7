package dev.lfsfarm.common.simulate;

import dev.lfsfarm.common.graph.DroppedEdge;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * @param lostRuns attempts cut short by a lost worker, in the order they were lost
 * @param unbuilt packages that never succeeded, with why (failed past the requeue limit, skipped
 *     because of one, or never started because no worker was left), in book order
 */
public record SimulationResult(
        SimulationConfig config,
        List<ScheduledRun> schedule,
        long makespanMicros,
        long lowerBoundMicros,
        List<String> criticalPath,
        long criticalPathMicros,
        List<DroppedEdge> droppedEdges,
        List<LostRun> lostRuns,
        Map<String, String> unbuilt) {

    public SimulationResult {
        schedule = List.copyOf(schedule);
        criticalPath = List.copyOf(criticalPath);
        droppedEdges = List.copyOf(droppedEdges);
        lostRuns = List.copyOf(lostRuns);
        unbuilt = Collections.unmodifiableMap(new LinkedHashMap<>(unbuilt));
    }

    /** A simulation in which no worker was lost. */
    public SimulationResult(
            SimulationConfig config,
            List<ScheduledRun> schedule,
            long makespanMicros,
            long lowerBoundMicros,
            List<String> criticalPath,
            long criticalPathMicros,
            List<DroppedEdge> droppedEdges) {
        this(
                config,
                schedule,
                makespanMicros,
                lowerBoundMicros,
                criticalPath,
                criticalPathMicros,
                droppedEdges,
                List.of(),
                Map.of());
    }

    /** How many packages started again after losing their worker (the coordinator's requeues). */
    public int requeues() {
        return (int) lostRuns.stream().filter(LostRun::requeued).count();
    }

    /** Wall time of the attempts cut short by lost workers, µs: work done twice. */
    public long lostWorkMicros() {
        return lostRuns.stream().mapToLong(LostRun::wastedMicros).sum();
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
