package dev.lfsfarm.common.lifecycle;

import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.schedule.BuildScheduler;
import dev.lfsfarm.common.schedule.TaskState;
import dev.lfsfarm.common.time.Ticker;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.BuildProgress;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The packages of one build as its lifecycle keeps them: each one's status, whether its action key
 * was looked up in the cache, whether it is held for a worker from before a takeover, and since
 * when it is READY; the queue of packages to look up and those waiting for an identical action in
 * flight; and the progress counts over them. The scheduler's states are copied in by {@link #sync}.
 */
final class PackageTable {
    /** A package's ready time when it is not READY. */
    private static final long NOT_READY = Long.MIN_VALUE;

    private final ResolvedGraph graph;
    private final String[] actionKeys;
    private final boolean noCache;
    private final Ticker ticker;
    private final PackageStatus.Builder[] packages;
    private final boolean[] cacheChecked;
    /** Packages a worker may still be running from before a takeover: not placed until re-adopted or given up. */
    private final boolean[] held;
    /** Ticker nanos when each package last became READY, {@link #NOT_READY} otherwise: dispatch latency. */
    private final long[] readySince;
    /** READY packages whose action key was not looked up in the cache yet ({@link #settleCached} drains it). */
    private final Deque<Integer> cacheQueue = new ArrayDeque<>();
    /** READY packages whose identical action runs elsewhere: looked up again by the next settleCached. */
    private final Set<Integer> twinWait = new LinkedHashSet<>();

    private final ProgressCounter counter;

    PackageTable(ResolvedGraph graph, String[] actionKeys, boolean noCache, Ticker ticker) {
        this.graph = graph;
        this.actionKeys = actionKeys;
        this.noCache = noCache;
        this.ticker = ticker;
        int n = graph.size();
        this.packages = new PackageStatus.Builder[n];
        this.cacheChecked = new boolean[n];
        this.held = new boolean[n];
        this.readySince = new long[n];
        Arrays.fill(readySince, NOT_READY);
        for (int i = 0; i < n; i++) {
            packages[i] = PackageStatus.newBuilder()
                    .setPackageId(graph.id(i))
                    .setVersion(graph.recipe(i).version())
                    .setState(PackageState.PACKAGE_STATE_WAITING)
                    .setActionKey(actionKeys[i])
                    .setSbuEstimate(graph.recipe(i).sbu());
            for (int d : graph.dependencies(i)) {
                packages[i].addDependsOn(graph.id(d));
            }
        }
        this.counter = new ProgressCounter(graph, packages);
    }

    /** The status of {@code task}, to change (call {@link #sync} or {@link #snapshot} after). */
    PackageStatus.Builder status(int task) {
        return packages[task];
    }

    /** Takes a stored status (a takeover or restart), keeping this build's action key and dependencies. */
    void restore(PackageStatus stored) {
        int task = graph.indexOf(stored.getPackageId());
        if (task >= 0) {
            packages[task] = stored.toBuilder()
                    .setActionKey(actionKeys[task])
                    .clearDependsOn()
                    .addAllDependsOn(packages[task].getDependsOnList());
        }
        counter.invalidate();
    }

    /** Every package that did not succeed becomes WAITING again, without its failure (a retry). */
    void resetUnfinished() {
        for (PackageStatus.Builder p : packages) {
            PackageState s = p.getState();
            if (s != PackageState.PACKAGE_STATE_SUCCEEDED && s != PackageState.PACKAGE_STATE_CACHED) {
                p.setState(PackageState.PACKAGE_STATE_WAITING)
                        .clearSkippedBecause()
                        .clearFailureReason()
                        .clearFailureKind()
                        .clearFailedPhase()
                        .clearExitCode()
                        .clearLogTail();
            }
        }
        Arrays.fill(cacheChecked, false);
        counter.invalidate();
    }

    /** A settled package (done before this start) needs no cache lookup. */
    void cacheChecked(int task) {
        cacheChecked[task] = true;
    }

    boolean isHeld(int task) {
        return held[task];
    }

    void hold(int task, boolean hold) {
        held[task] = hold;
    }

    /** Ticker nanos since {@code task} became READY, if it is. */
    Optional<Long> readyNanos(int task) {
        return readySince[task] == NOT_READY ? Optional.empty() : Optional.of(ticker.nanos() - readySince[task]);
    }

    /**
     * Looks READY packages up in the cache (those not looked up yet, and those whose twin was in
     * flight at the last call): a hit is CACHED in the scheduler and its newly ready dependents are
     * looked up in turn; a package whose identical action is in flight waits for the next call.
     * Returns the packages whose state changed (call {@link #sync} on each).
     */
    List<Integer> settleCached(BuildScheduler scheduler, SharedActions shared) {
        // Only packages not looked up yet: those that became READY since the last call (sync queues
        // them) and those whose twin was in flight then. Copying and sorting the whole ready queue here
        // on every dispatch made a 100,000-package build quadratic.
        Deque<Integer> queue = new ArrayDeque<>(twinWait);
        twinWait.clear();
        queue.addAll(cacheQueue);
        cacheQueue.clear();
        List<Integer> changed = new ArrayList<>();
        while (!queue.isEmpty()) {
            int task = queue.poll();
            if (cacheChecked[task] || scheduler.state(task) != TaskState.READY) {
                continue;
            }
            if (shared.inFlight(actionKeys[task])) {
                twinWait.add(task); // an identical action running elsewhere: check the cache again when it ends
                continue;
            }
            cacheChecked[task] = true;
            Optional<ActionResult> hit = shared.cached(actionKeys[task]);
            if (hit.isPresent()) {
                packages[task]
                        .setCacheHit(true)
                        .setArtifact(hit.get().getArtifact())
                        .setManifest(hit.get().getManifest())
                        .setMeasurements(hit.get().getMeasurements());
                changed.add(task);
                List<Integer> ready = scheduler.cached(task);
                changed.addAll(ready);
                queue.addAll(ready);
            }
        }
        return changed;
    }

    /** Copies the scheduler's state of {@code task} into its status; returns whether it changed. */
    boolean sync(int task, BuildScheduler scheduler) {
        if (held[task]) {
            return false; // RUNNING on a worker from before the takeover, until re-adopted or given up
        }
        PackageState next = PackageStates.of(scheduler.state(task));
        if (next != PackageState.PACKAGE_STATE_READY) {
            readySince[task] = NOT_READY;
        } else if (readySince[task] == NOT_READY) {
            readySince[task] = ticker.nanos();
        }
        if (next == PackageState.PACKAGE_STATE_READY && !cacheChecked[task] && !noCache) {
            cacheQueue.add(task);
        }
        PackageStatus.Builder status = packages[task];
        if (status.getState() == next) {
            return false;
        }
        if (next == PackageState.PACKAGE_STATE_CACHED && status.getState() == PackageState.PACKAGE_STATE_SUCCEEDED) {
            return false; // a retry marks finished packages done again through the cache path
        }
        status.setState(next);
        if (next == PackageState.PACKAGE_STATE_SKIPPED && scheduler.skippedBecause(task) >= 0) {
            status.setSkippedBecause(graph.id(scheduler.skippedBecause(task)));
        }
        counter.touch(task);
        return true;
    }

    /** The statuses of {@code changed} as they are now, with the counts brought up to date. */
    List<PackageStatus> snapshot(List<Integer> changed) {
        changed.forEach(counter::touch);
        List<PackageStatus> statuses = new ArrayList<>(changed.size());
        changed.forEach(t -> statuses.add(packages[t].build()));
        return statuses;
    }

    BuildProgress progress() {
        return counter.progress();
    }

    /** Package statuses in topological order (dependencies first, book order for ties). */
    List<PackageStatus> inOrder() {
        List<PackageStatus> result = new ArrayList<>(packages.length);
        for (int task : graph.topologicalOrder()) {
            result.add(packages[task].build());
        }
        return result;
    }
}
