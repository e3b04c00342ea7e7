package dev.lfsfarm.common.schedule;

import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.recipe.Recipe;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The scheduler core: pure, deterministic, single-threaded. It knows the packages of one build,
 * their states and the workers' free capacity, and decides which ready package goes where. It
 * does no I/O and keeps no clock: the coordinator drives it with real events, the simulator with
 * virtual ones, so both make the same decisions.
 *
 * <p>Events: {@link #assign()} places ready packages (they become RUNNING); {@link #finished},
 * {@link #cached}, {@link #failed} and {@link #requeue} report outcomes; {@link #addWorker} and
 * {@link #workerLost} change capacity. Methods return the packages whose state changed as a result.
 *
 * <p>Placement: the ready package with the highest priority goes first, to the worker that can give
 * it the most cores (up to its {@code parallel_jobs}), then the tightest fit, then the earliest
 * registered. A package that fits nowhere right now (memory, labels) does not block lower ones.
 */
public final class BuildScheduler {
    /** How many ready packages one {@link #assign()} call looks past when the first ones fit nowhere. */
    static final int BACKFILL_WINDOW = 256;

    private final ResolvedGraph graph;
    private final CriticalPath criticalPath;
    private final TaskState[] state;
    private final int[] pendingDependencies;
    private final int[] skippedBecause;
    private final WorkerPool.Slot[] runningOn;
    private final int[] grantedCores;
    private final PriorityQueue<Integer> ready;
    private final WorkerPool pool;
    private final int[] countByState = new int[TaskState.values().length];
    private final DurationModel model;
    /** When set, packages go to this worker only, with at most {@link #onlyCores} cores (a calibration build). */
    private String onlyWorker;

    private int onlyCores = Integer.MAX_VALUE;

    /**
     * @param graph the resolved build
     * @param policy which ready package goes first
     * @param model durations used to weigh the critical path
     * @param referenceCores cores per worker assumed when estimating durations for priorities
     */
    public BuildScheduler(ResolvedGraph graph, Policy policy, DurationModel model, int referenceCores) {
        this(graph, policy, model, referenceCores, new WorkerPool());
    }

    /**
     * A scheduler that shares {@code pool} with the schedulers of other builds running at the same time.
     */
    public BuildScheduler(
            ResolvedGraph graph, Policy policy, DurationModel model, int referenceCores, WorkerPool pool) {
        this(graph, policy, model, referenceCores, pool, CriticalPath.bookSbu(graph));
    }

    /**
     * A scheduler whose priorities weigh each package by {@code sbu[task]}, its expected SBU on one
     * core: learned from measured history where the coordinator has some, the book's otherwise.
     */
    public BuildScheduler(
            ResolvedGraph graph,
            Policy policy,
            DurationModel model,
            int referenceCores,
            WorkerPool pool,
            double[] sbu) {
        this.graph = graph;
        this.pool = pool;
        this.model = model;
        int n = graph.size();
        this.criticalPath = new CriticalPath(graph, model, referenceCores, sbu);
        this.state = new TaskState[n];
        this.pendingDependencies = new int[n];
        this.skippedBecause = new int[n];
        this.runningOn = new WorkerPool.Slot[n];
        this.grantedCores = new int[n];
        Arrays.fill(skippedBecause, -1);
        Comparator<Integer> byIndex = Comparator.naturalOrder();
        Comparator<Integer> order = policy == Policy.FIFO
                ? byIndex
                : Comparator.<Integer>comparingLong(t -> -criticalPath.remaining(t))
                        .thenComparing(byIndex);
        this.ready = new PriorityQueue<>(Math.max(16, n / 4), order);
        for (int i = 0; i < n; i++) {
            pendingDependencies[i] = graph.dependencies(i).length;
            if (pendingDependencies[i] == 0) {
                setState(i, TaskState.READY);
                ready.add(i);
            } else {
                setState(i, TaskState.WAITING);
            }
        }
    }

    public ResolvedGraph graph() {
        return graph;
    }

    public CriticalPath criticalPath() {
        return criticalPath;
    }

    /** Places this build's packages on {@code worker} only, with at most {@code maxCores} cores each. */
    public void restrictTo(String worker, int maxCores) {
        this.onlyWorker = worker;
        this.onlyCores = Math.max(1, maxCores);
    }

    /** Adds a worker to this scheduler's pool. */
    public void addWorker(WorkerSpec spec) {
        pool.add(spec);
    }

    public WorkerPool pool() {
        return pool;
    }

    /** Places as many ready packages as free capacity allows, highest priority first. */
    public List<Assignment> assign() {
        return assign(task -> true);
    }

    /**
     * Like {@link #assign()}, but a ready package for which {@code mayStart} is false stays ready
     * (the coordinator holds back a package whose identical action already runs in another build).
     */
    public List<Assignment> assign(java.util.function.IntPredicate mayStart) {
        List<Assignment> placed = new ArrayList<>();
        List<Integer> deferred = new ArrayList<>();
        while (!ready.isEmpty() && deferred.size() < BACKFILL_WINDOW && pool.anyRoom()) {
            int task = ready.poll();
            if (state[task] != TaskState.READY) {
                continue;
            }
            WorkerPool.Slot worker = mayStart.test(task) ? bestWorker(task) : null;
            if (worker == null) {
                deferred.add(task);
                continue;
            }
            Recipe recipe = graph.recipe(task);
            int cores = coresOn(worker, recipe);
            pool.reserve(worker, cores, recipe.resources().memoryMb());
            runningOn[task] = worker;
            grantedCores[task] = cores;
            setState(task, TaskState.RUNNING);
            placed.add(new Assignment(task, recipe.id(), worker.spec.name(), cores));
        }
        ready.addAll(deferred);
        return placed;
    }

    /**
     * A ready package turns out to be running already on {@code worker} (a new leader re-adopts an
     * attempt the worker kept running through a failover): it is RUNNING there with {@code cores},
     * holding that capacity, without being placed again. Capacity may go below zero on an
     * overcommitted worker; it then takes nothing new until enough is released.
     */
    public void adopt(int task, String worker, int cores) {
        expect(task, TaskState.READY);
        WorkerPool.Slot slot = pool.get(worker);
        if (slot == null) {
            throw new IllegalStateException("worker " + worker + " is not in the pool");
        }
        pool.reserve(slot, cores, graph.recipe(task).resources().memoryMb());
        runningOn[task] = slot;
        grantedCores[task] = cores;
        setState(task, TaskState.RUNNING); // its queue entry is dropped lazily by assign()
    }

    /** The package built successfully. Returns the packages that became ready. */
    public List<Integer> finished(int task) {
        expect(task, TaskState.RUNNING);
        release(task);
        setState(task, TaskState.SUCCEEDED);
        return releaseDependents(task);
    }

    /** A ready package needs no build: its result is in the cache. Returns the packages that became ready. */
    public List<Integer> cached(int task) {
        expect(task, TaskState.READY);
        setState(task, TaskState.CACHED); // its queue entry is dropped lazily by assign()
        return releaseDependents(task);
    }

    /**
     * The package failed. Every package that depends on it, directly or not, is SKIPPED naming it;
     * independent branches go on. Returns the skipped packages.
     */
    public List<Integer> failed(int task) {
        expect(task, TaskState.RUNNING);
        release(task);
        return fail(task);
    }

    /**
     * A ready package that already failed under an earlier leader (restored from the registry):
     * FAILED again without running, its dependents SKIPPED. Returns the skipped packages.
     */
    public List<Integer> failedEarlier(int task) {
        expect(task, TaskState.READY);
        return fail(task);
    }

    private List<Integer> fail(int task) {
        setState(task, TaskState.FAILED);
        List<Integer> skipped = new ArrayList<>();
        Deque<Integer> queue = new ArrayDeque<>();
        queue.add(task);
        while (!queue.isEmpty()) {
            for (int dependent : graph.dependents(queue.poll())) {
                if (state[dependent] == TaskState.WAITING) {
                    setState(dependent, TaskState.SKIPPED);
                    skippedBecause[dependent] = task;
                    skipped.add(dependent);
                    queue.add(dependent);
                }
            }
        }
        return skipped;
    }

    /** The build is being cancelled: every package not started yet is CANCELLED. Returns them. */
    public List<Integer> cancelPending() {
        List<Integer> cancelled = new ArrayList<>();
        for (int task = 0; task < state.length; task++) {
            if (state[task] == TaskState.WAITING || state[task] == TaskState.READY) {
                setState(task, TaskState.CANCELLED);
                cancelled.add(task);
            }
        }
        return cancelled;
    }

    /** A running package was stopped because the build was cancelled. */
    public void cancelled(int task) {
        expect(task, TaskState.RUNNING);
        release(task);
        setState(task, TaskState.CANCELLED);
    }

    /** A running package goes back to the ready queue (its attempt was lost or superseded). */
    public void requeue(int task) {
        expect(task, TaskState.RUNNING);
        release(task);
        setState(task, TaskState.READY);
        ready.add(task);
    }

    /**
     * A worker is gone: it leaves the pool (if still there) and this build's packages that ran on
     * it are ready again. Returns them.
     */
    public List<Integer> workerLost(String name) {
        pool.remove(name);
        List<Integer> requeued = new ArrayList<>();
        for (int task = 0; task < runningOn.length; task++) {
            if (runningOn[task] != null && runningOn[task].spec().name().equals(name)) {
                requeue(task);
                requeued.add(task);
            }
        }
        return requeued;
    }

    public TaskState state(int task) {
        return state[task];
    }

    /** The failed package that caused {@code task} to be skipped, or -1. */
    public int skippedBecause(int task) {
        return skippedBecause[task];
    }

    /** Cores granted to a running package. */
    public int grantedCores(int task) {
        return grantedCores[task];
    }

    /** The worker a running package is on, or null. */
    public String workerOf(int task) {
        return runningOn[task] == null ? null : runningOn[task].spec.name();
    }

    /** Ready packages in the order they will be placed. */
    public List<Integer> ready() {
        List<Integer> sorted = new ArrayList<>(ready);
        sorted.removeIf(t -> state[t] != TaskState.READY);
        sorted.sort(ready.comparator());
        return sorted;
    }

    public int count(TaskState s) {
        return countByState[s.ordinal()];
    }

    /** Packages per state, every state listed. */
    public Map<TaskState, Integer> counts() {
        Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
        for (TaskState s : TaskState.values()) {
            counts.put(s, countByState[s.ordinal()]);
        }
        return counts;
    }

    /** Whether every package reached a final state. */
    public boolean isComplete() {
        return count(TaskState.WAITING) + count(TaskState.READY) + count(TaskState.RUNNING) == 0;
    }

    /**
     * Why {@code task} is not running, in words; null when it is running or finished. Names the
     * unfinished dependencies of a waiting package, or what no worker can offer a ready one.
     */
    public String pendingReason(int task) {
        switch (state[task]) {
            case WAITING: {
                List<String> waitingOn = new ArrayList<>();
                for (int d : graph.dependencies(task)) {
                    if (!state[d].isDone()) {
                        waitingOn.add(graph.id(d) + " (" + state[d] + ")");
                    }
                }
                return "waiting on " + String.join(", ", waitingOn);
            }
            case READY:
                return readyReason(task);
            default:
                return null;
        }
    }

    private String readyReason(int task) {
        Recipe recipe = graph.recipe(task);
        if (pool.isEmpty()) {
            return "no workers connected";
        }
        boolean labelsMatch = false;
        boolean memoryFits = false;
        for (WorkerPool.Slot w : pool.slots()) {
            if (labelsMatch(w, recipe)) {
                labelsMatch = true;
                memoryFits |= w.spec.memoryMb() >= recipe.resources().memoryMb();
            }
        }
        if (!labelsMatch) {
            return "no worker has the labels " + recipe.labels();
        }
        if (!memoryFits) {
            return "no worker with matching labels has " + recipe.resources().memoryMb() + " MiB of memory";
        }
        return "all matching workers are busy (" + count(TaskState.READY) + " packages ready)";
    }

    /** Whether some registered worker could ever take the package (labels and total memory). */
    public boolean placeable(int task) {
        Recipe recipe = graph.recipe(task);
        for (WorkerPool.Slot w : pool.slots()) {
            if (labelsMatch(w, recipe)
                    && w.spec.memoryMb() >= recipe.resources().memoryMb()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The worker that would finish the package soonest: the least {@code seconds per SBU × core
     * factor} (its speed and the cores it can give), then the most cores, then the tightest fit,
     * then the earliest registered. Workers of unknown speed count at the model's seconds per SBU.
     */
    private WorkerPool.Slot bestWorker(int task) {
        Recipe recipe = graph.recipe(task);
        WorkerPool.Slot best = null;
        int bestCores = 0;
        double bestTime = 0;
        for (WorkerPool.Slot w : pool.slots()) {
            if (!w.hasRoom()
                    || w.freeMemoryMb < recipe.resources().memoryMb()
                    || !labelsMatch(w, recipe)
                    || (onlyWorker != null && !onlyWorker.equals(w.spec.name()))) {
                continue;
            }
            int cores = coresOn(w, recipe);
            double time = (w.secondsPerSbu > 0 ? w.secondsPerSbu : model.sbuSeconds()) * model.coreFactor(cores);
            int byTime = best == null ? -1 : Double.compare(time, bestTime);
            boolean better = best == null
                    || byTime < 0
                    || (byTime == 0 && (cores > bestCores || (cores == bestCores && w.freeCores < best.freeCores)));
            if (better) {
                best = w;
                bestCores = cores;
                bestTime = time;
            }
        }
        return best;
    }

    private int coresOn(WorkerPool.Slot w, Recipe recipe) {
        return Math.min(Math.min(recipe.parallelJobs(), onlyCores), w.freeCores);
    }

    private static boolean labelsMatch(WorkerPool.Slot w, Recipe recipe) {
        for (Map.Entry<String, String> label : recipe.labels().entrySet()) {
            if (!label.getValue().equals(w.spec.labels().get(label.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private List<Integer> releaseDependents(int task) {
        List<Integer> nowReady = new ArrayList<>();
        for (int dependent : graph.dependents(task)) {
            if (--pendingDependencies[dependent] == 0 && state[dependent] == TaskState.WAITING) {
                setState(dependent, TaskState.READY);
                ready.add(dependent);
                nowReady.add(dependent);
            }
        }
        return nowReady;
    }

    private void release(int task) {
        WorkerPool.Slot worker = runningOn[task];
        runningOn[task] = null;
        if (worker != null) {
            pool.release(
                    worker, grantedCores[task], graph.recipe(task).resources().memoryMb());
        }
        grantedCores[task] = 0;
    }

    private void expect(int task, TaskState expected) {
        if (state[task] != expected) {
            throw new IllegalStateException(graph.id(task) + " is " + state[task] + ", not " + expected);
        }
    }

    private void setState(int task, TaskState next) {
        if (state[task] != null) {
            countByState[state[task].ordinal()]--;
        }
        state[task] = next;
        countByState[next.ordinal()]++;
    }
}
