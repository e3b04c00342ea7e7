package dev.lfsfarm.common.simulate;

import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.lifecycle.LifecycleContext;
import dev.lfsfarm.common.lifecycle.SharedActions;
import dev.lfsfarm.common.schedule.Assignment;
import dev.lfsfarm.common.schedule.BuildScheduler;
import dev.lfsfarm.common.schedule.CriticalPath;
import dev.lfsfarm.common.schedule.TaskState;
import dev.lfsfarm.common.schedule.WorkerPool;
import dev.lfsfarm.common.schedule.WorkerSpec;
import dev.lfsfarm.common.time.ManualClock;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.Measurements;
import dev.lfsfarm.proto.v1.PackageEstimate;
import dev.lfsfarm.proto.v1.ResourceUsage;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Discrete-event simulation of a build on a virtual farm, in virtual time, driven by the same
 * {@link BuildLifecycle} and {@link BuildScheduler} the coordinator uses: the lifecycle decides what
 * a finished package or a lost worker means (dependents ready; requeue, or failure past the requeue
 * limit), the scheduler where ready packages go. Packages finishing at the same instant are processed
 * in book order, before a worker lost at that instant, so the result is fully deterministic.
 */
public final class Simulator {
    /** The coordinator's requeue limit when none is given: a package lost twice still runs a third time. */
    public static final int DEFAULT_MAX_REQUEUES = 2;

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
        return run(graph, config, sbu, List.of(), DEFAULT_MAX_REQUEUES);
    }

    /**
     * Like {@link #run(ResolvedGraph, SimulationConfig, double[])}, with workers lost at the given
     * times: their running packages are requeued (or fail once a package has been lost more than
     * {@code maxRequeues} times), as the coordinator does when a worker's lease runs out.
     */
    public static SimulationResult run(
            ResolvedGraph graph, SimulationConfig config, double[] sbu, List<WorkerLoss> losses, int maxRequeues)
            throws InputException {
        checkLosses(config, losses);
        ManualClock clock = new ManualClock(Instant.EPOCH);
        WorkerPool pool = new WorkerPool();
        for (int w = 0; w < config.workers(); w++) {
            pool.add(new WorkerSpec(
                    config.workerName(w),
                    config.slotsPerWorker(),
                    config.coresPerWorker(),
                    config.memoryMbPerWorker(),
                    config.labels()));
        }
        LifecycleContext context = new LifecycleContext(
                pool,
                config.model(),
                (id, bookSbu) -> PackageEstimate.newBuilder()
                        .setPackageId(id)
                        .setSbu(sbu[graph.indexOf(id)])
                        .build(),
                maxRequeues,
                clock,
                clock,
                config.policy(),
                config.coresPerWorker());
        String[] keys = new String[graph.size()];
        Arrays.fill(keys, "");
        BuildLifecycle build = new BuildLifecycle(
                "simulation", SubmitBuildRequest.newBuilder().setNoCache(true).build(), graph, keys, context);
        build.start();
        rejectUnplaceable(graph, build.scheduler(), config);

        List<WorkerLoss> inTimeOrder = new ArrayList<>(losses);
        inTimeOrder.sort(Comparator.comparingLong(WorkerLoss::atMicros));
        Deque<WorkerLoss> pendingLosses = new ArrayDeque<>(inTimeOrder);
        List<LostRun> lostRuns = new ArrayList<>();
        Map<String, Running> running = new LinkedHashMap<>();
        PriorityQueue<Running> byEnd = new PriorityQueue<>(
                Comparator.<Running>comparingLong(r -> r.end).thenComparingInt(r -> r.task));
        Running[] finished = new Running[graph.size()];
        long now = 0;
        int attempts = 0;
        while (true) {
            for (Assignment a : build.assignments(SharedActions.NONE)) {
                String attemptId = "sim-" + (++attempts);
                build.assigned(a, attemptId);
                Running run = new Running(
                        attemptId,
                        a.task(),
                        a.worker(),
                        a.cores(),
                        now,
                        now + config.model().micros(sbu[a.task()], a.cores()));
                running.put(attemptId, run);
                byEnd.add(run);
            }
            if (running.isEmpty()) {
                break; // done, or nothing can run any more (every worker lost)
            }
            long nextEnd = byEnd.peek().end;
            long nextLoss = pendingLosses.isEmpty()
                    ? Long.MAX_VALUE
                    : pendingLosses.peek().atMicros();
            long next = Math.min(nextEnd, nextLoss);
            clock.advance(Duration.ofNanos((next - now) * 1000));
            now = next;
            // Everything that ends at this instant finishes before anything new is placed, so
            // cores freed together are granted together.
            while (!byEnd.isEmpty() && byEnd.peek().end == now) {
                Running run = byEnd.poll();
                running.remove(run.attemptId);
                finished[run.task] = run;
                build.result(run.attemptId, succeeded(run));
            }
            while (!pendingLosses.isEmpty() && pendingLosses.peek().atMicros() == now) {
                lose(pendingLosses.poll().worker(), now, pool, build, running, byEnd, lostRuns);
            }
        }
        return result(graph, config, build, sbu, finished, lostRuns);
    }

    /** What the coordinator does when a worker's lease runs out: it leaves the pool, its attempts are lost. */
    private static void lose(
            String worker,
            long now,
            WorkerPool pool,
            BuildLifecycle build,
            Map<String, Running> running,
            PriorityQueue<Running> byEnd,
            List<LostRun> lostRuns) {
        pool.remove(worker);
        for (Running run : List.copyOf(running.values())) {
            if (!run.worker.equals(worker)) {
                continue;
            }
            running.remove(run.attemptId);
            byEnd.remove(run);
            build.lost(run.attemptId, "worker " + worker + " lost");
            boolean requeued = build.scheduler().state(run.task) != TaskState.FAILED;
            lostRuns.add(new LostRun(build.graph().id(run.task), worker, run.cores, run.start, now, requeued));
        }
    }

    private static AttemptResult succeeded(Running run) {
        double wall = (run.end - run.start) / 1e6;
        return AttemptResult.newBuilder()
                .setAttemptId(run.attemptId)
                .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)
                .setMeasurements(Measurements.newBuilder()
                        .setCores(run.cores)
                        .setTotal(ResourceUsage.newBuilder().setWallSeconds(wall)))
                .build();
    }

    /** A virtual attempt: when it started and will end, where. */
    private record Running(String attemptId, int task, String worker, int cores, long start, long end) {}

    private static void checkLosses(SimulationConfig config, List<WorkerLoss> losses) {
        Set<String> names = new LinkedHashSet<>();
        for (int w = 0; w < config.workers(); w++) {
            names.add(config.workerName(w));
        }
        for (WorkerLoss loss : losses) {
            if (!names.contains(loss.worker())) {
                throw new IllegalArgumentException(
                        "no virtual worker '" + loss.worker() + "': the farm has " + String.join(", ", names));
            }
        }
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
            BuildLifecycle build,
            double[] sbu,
            Running[] finished,
            List<LostRun> lostRuns) {
        CriticalPath criticalPath = build.scheduler().criticalPath();
        List<ScheduledRun> schedule = new ArrayList<>(graph.size());
        Map<String, String> unbuilt = new LinkedHashMap<>();
        long makespan = 0;
        double singleCoreWork = 0;
        for (int i = 0; i < graph.size(); i++) {
            singleCoreWork += config.model().micros(sbu[i], 1);
            Running run = finished[i];
            if (run == null) {
                unbuilt.put(graph.id(i), whyUnbuilt(build, i));
                continue;
            }
            schedule.add(new ScheduledRun(graph.id(i), run.worker, run.cores, run.start, run.end));
            makespan = Math.max(makespan, run.end);
        }
        for (LostRun lost : lostRuns) {
            makespan = Math.max(makespan, lost.lostAtMicros());
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
                graph.droppedEdges(),
                lostRuns,
                unbuilt);
    }

    private static String whyUnbuilt(BuildLifecycle build, int task) {
        return switch (build.scheduler().state(task)) {
            case FAILED -> "failed: " + build.status(task).getFailureReason();
            case SKIPPED ->
                "skipped: needs " + build.graph().id(build.scheduler().skippedBecause(task)) + ", which failed";
            default -> "never started: no worker left to build it";
        };
    }
}
