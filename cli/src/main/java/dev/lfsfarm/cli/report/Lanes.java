package dev.lfsfarm.cli.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Packs each worker's runs into lanes, greedily: in start order, a run goes to the first lane whose
 * last run has ended by its start, else to a new lane. The build does not say how many slots a
 * worker had, so the lanes a worker needed are the slots it used.
 */
public final class Lanes {
    private static final Comparator<Run> BY_START =
            Comparator.comparingDouble(Run::start).thenComparingDouble(Run::end).thenComparing(Run::id);

    private Lanes() {}

    /** Worker name (sorted) → its lanes → the runs in each lane, in start order. */
    public static Map<String, List<List<Run>>> pack(List<Run> runs) {
        Map<String, List<List<Run>>> byWorker = new TreeMap<>();
        List<Run> ordered = new ArrayList<>(runs);
        ordered.sort(BY_START);
        for (Run run : ordered) {
            List<List<Run>> lanes = byWorker.computeIfAbsent(run.worker(), w -> new ArrayList<>());
            List<Run> free = null;
            for (List<Run> lane : lanes) {
                if (lane.get(lane.size() - 1).end() <= run.start()) {
                    free = lane;
                    break;
                }
            }
            if (free == null) {
                free = new ArrayList<>();
                lanes.add(free);
            }
            free.add(run);
        }
        return byWorker;
    }
}
