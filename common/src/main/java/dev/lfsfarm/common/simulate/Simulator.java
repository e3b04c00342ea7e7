package dev.lfsfarm.common.simulate;

import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.schedule.Assignment;
import dev.lfsfarm.common.schedule.BuildScheduler;
import dev.lfsfarm.common.schedule.CriticalPath;
import dev.lfsfarm.common.schedule.WorkerSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Discrete-event simulation of a build on a virtual farm, in virtual time, driven by the same
 * {@link BuildScheduler} the coordinator uses. Packages finishing at the same instant are processed
 * in book order, so the result is fully deterministic.
 */
public final class Simulator {
    private Simulator() {}

    public static SimulationResult run(ResolvedGraph graph, SimulationConfig config) throws InputException {
        return run(graph, config, CriticalPath.bookSbu(graph));
    }

    /**
     * Like {@link #run(ResolvedGraph, SimulationConfig)} with each package's one-core SBU taken from
     * {@code sbu} (learned from a farm's history) instead of its recipe.
     */
    public static SimulationResult run(ResolvedGraph graph, SimulationConfig config, double[] sbu)
            throws InputException {
        BuildScheduler scheduler = new BuildScheduler(
                graph,
                config.policy(),
                config.model(),
                config.coresPerWorker(),
                new dev.lfsfarm.common.schedule.WorkerPool(),
                sbu);
        for (int w = 0; w < config.workers(); w++) {
            scheduler.addWorker(new WorkerSpec(
                    config.workerName(w),
                    config.slotsPerWorker(),
                    config.coresPerWorker(),
                    config.memoryMbPerWorker(),
                    config.labels()));
        }
        rejectUnplaceable(graph, scheduler, config);

        int n = graph.size();
        long[] start = new long[n];
        long[] end = new long[n];
        String[] worker = new String[n];
        int[] cores = new int[n];
        PriorityQueue<Integer> running = new PriorityQueue<>(
                Comparator.<Integer>comparingLong(t -> end[t]).thenComparingInt(t -> t));
        long now = 0;
        while (true) {
            for (Assignment a : scheduler.assign()) {
                start[a.task()] = now;
                end[a.task()] = now + config.model().micros(sbu[a.task()], a.cores());
                worker[a.task()] = a.worker();
                cores[a.task()] = a.cores();
                running.add(a.task());
            }
            if (running.isEmpty()) {
                break;
            }
            // Everything that ends at this instant finishes before anything new is placed, so
            // cores freed together are granted together.
            now = end[running.peek()];
            while (!running.isEmpty() && end[running.peek()] == now) {
                scheduler.finished(running.poll());
            }
        }
        return result(graph, config, scheduler.criticalPath(), sbu, start, end, worker, cores);
    }

    private static void rejectUnplaceable(ResolvedGraph graph, BuildScheduler scheduler, SimulationConfig config)
            throws InputException {
        List<InputError> errors = new ArrayList<>();
        for (int i = 0; i < graph.size(); i++) {
            if (!scheduler.placeable(i)) {
                var recipe = graph.recipe(i);
                boolean labelsFit =
                        config.labels().entrySet().containsAll(recipe.labels().entrySet());
                errors.add(
                        labelsFit
                                ? new InputError(
                                        recipe.location(),
                                        "resources.memory_mb",
                                        recipe.id() + " needs "
                                                + recipe.resources().memoryMb() + " MiB but the virtual workers have "
                                                + config.memoryMbPerWorker() + " MiB (--memory-mb)")
                                : new InputError(
                                        recipe.location(),
                                        "labels",
                                        recipe.id() + " needs workers labelled "
                                                + recipe.labels() + " but the virtual workers have " + config.labels()
                                                + " (--worker-labels)"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InputException(errors);
        }
    }

    private static SimulationResult result(
            ResolvedGraph graph,
            SimulationConfig config,
            CriticalPath criticalPath,
            double[] sbu,
            long[] start,
            long[] end,
            String[] worker,
            int[] cores) {
        List<ScheduledRun> schedule = new ArrayList<>(graph.size());
        long makespan = 0;
        double singleCoreWork = 0;
        for (int i = 0; i < graph.size(); i++) {
            schedule.add(new ScheduledRun(graph.id(i), worker[i], cores[i], start[i], end[i]));
            makespan = Math.max(makespan, end[i]);
            singleCoreWork += config.model().micros(sbu[i], 1);
        }
        schedule.sort(Comparator.comparingLong(ScheduledRun::startMicros)
                .thenComparing(
                        r -> Integer.parseInt(r.worker().substring(r.worker().lastIndexOf('-') + 1)))
                .thenComparing(ScheduledRun::id));
        long totalCores = (long) config.workers() * config.coresPerWorker();
        long workBound = (long) Math.ceil(singleCoreWork / totalCores);
        long lowerBound = Math.max(criticalPath.length(), workBound);
        return new SimulationResult(
                config,
                schedule,
                makespan,
                lowerBound,
                criticalPath.ids(),
                criticalPath.length(),
                graph.droppedEdges());
    }
}
