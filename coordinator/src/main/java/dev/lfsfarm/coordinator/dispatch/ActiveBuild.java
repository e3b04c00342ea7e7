package dev.lfsfarm.coordinator.dispatch;

import com.google.protobuf.Timestamp;
import dev.lfsfarm.common.graph.DroppedEdge;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.schedule.BuildScheduler;
import dev.lfsfarm.common.schedule.TaskState;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildEvent;
import dev.lfsfarm.proto.v1.BuildProgress;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.DependencyEdge;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One build the dispatcher runs: the request, the resolved graph and its scheduler, the action key
 * and the status of every package, and who watches it. Touched only on the dispatcher thread.
 */
final class ActiveBuild {
    final String id;
    final SubmitBuildRequest spec;
    final ResolvedGraph graph;
    final String[] actionKeys;
    final PackageStatus.Builder[] packages;
    final boolean[] cacheChecked;
    /** Packages a worker may still be running from before a takeover: not placed until re-adopted or given up. */
    final boolean[] held;
    /** System.nanoTime() when each package last became READY, 0 when it is not READY: dispatch latency. */
    final long[] readySince;
    /** READY packages whose action key was not looked up in the cache yet (settleCached drains it). */
    final java.util.ArrayDeque<Integer> cacheQueue = new java.util.ArrayDeque<>();
    /** READY packages whose identical action runs elsewhere: looked up again by the next settleCached. */
    final java.util.Set<Integer> twinWait = new java.util.LinkedHashSet<>();

    private int[] topologicalRank;
    final Map<String, dev.lfsfarm.proto.v1.Recipe> recipes = new HashMap<>();
    final List<ServerCallStreamObserver<BuildEvent>> watchers = new CopyOnWriteArrayList<>();
    BuildScheduler scheduler;
    BuildState state = BuildState.BUILD_STATE_QUEUED;
    Instant submittedAt = Instant.now();
    Instant startedAt;
    Instant finishedAt;
    String message = "";
    int retryCount;
    long sequence;
    /** When the last PROGRESS event went out (System.nanoTime), and whether a later one is scheduled. */
    long progressSentNanos = Long.MIN_VALUE / 2;

    boolean progressScheduled;

    ActiveBuild(String id, SubmitBuildRequest spec, ResolvedGraph graph, String[] actionKeys) {
        this.id = id;
        this.spec = spec;
        this.graph = graph;
        this.actionKeys = actionKeys;
        this.packages = new PackageStatus.Builder[graph.size()];
        this.cacheChecked = new boolean[graph.size()];
        this.held = new boolean[graph.size()];
        this.readySince = new long[graph.size()];
        spec.getBook().getRecipesList().forEach(r -> recipes.put(r.getId(), r));
        for (int i = 0; i < graph.size(); i++) {
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
    }

    /** Takes the build's fields and package statuses from the registry (a takeover or a restart). */
    void restoreFrom(Build stored) {
        state = stored.getState();
        message = stored.getMessage();
        retryCount = stored.getRetryCount();
        submittedAt = ProtoTime.instant(stored.getSubmittedAt());
        startedAt = stored.hasStartedAt() ? ProtoTime.instant(stored.getStartedAt()) : null;
        finishedAt = stored.hasFinishedAt() ? ProtoTime.instant(stored.getFinishedAt()) : null;
        for (PackageStatus status : stored.getPackagesList()) {
            int task = graph.indexOf(status.getPackageId());
            if (task >= 0) {
                packages[task] = status.toBuilder()
                        .setActionKey(actionKeys[task])
                        .clearDependsOn()
                        .addAllDependsOn(packages[task].getDependsOnList());
            }
        }
        invalidateProgress();
    }

    /** Each package's position in the graph's topological order. */
    int[] topologicalRank() {
        if (topologicalRank == null) {
            int[] order = graph.topologicalOrder();
            int[] rank = new int[order.length];
            for (int i = 0; i < order.length; i++) {
                rank[order[i]] = i;
            }
            topologicalRank = rank;
        }
        return topologicalRank;
    }

    boolean isFinished() {
        return state == BuildState.BUILD_STATE_SUCCEEDED
                || state == BuildState.BUILD_STATE_FAILED
                || state == BuildState.BUILD_STATE_CANCELLED;
    }

    /** Copies the scheduler's state of {@code task} into its status; returns whether it changed. */
    boolean syncState(int task) {
        if (held[task]) {
            return false; // RUNNING on a worker from before the takeover, until re-adopted or given up
        }
        PackageState next = toProto(scheduler.state(task));
        if (next != PackageState.PACKAGE_STATE_READY) {
            readySince[task] = 0;
        } else if (readySince[task] == 0) {
            readySince[task] = System.nanoTime();
        }
        if (next == PackageState.PACKAGE_STATE_READY && !cacheChecked[task] && !spec.getNoCache()) {
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
        touch(task);
        return true;
    }

    private static final PackageState[] BY_TASK_STATE = java.util.Arrays.stream(TaskState.values())
            .map(s -> PackageState.valueOf("PACKAGE_STATE_" + s.name()))
            .toArray(PackageState[]::new);

    static PackageState toProto(TaskState s) {
        return BY_TASK_STATE[s.ordinal()];
    }

    /**
     * Counts of the packages' states, kept up to date per changed package by {@link #touch} instead of
     * walking every package for each event (watchers get a progress event per change: O(n) per
     * event was O(n²) per build). A full recount happens when {@link #invalidateProgress} was called.
     */
    BuildProgress progress() {
        if (counted == null) {
            recount();
        }
        BuildProgress.Builder p = BuildProgress.newBuilder().setTotal(graph.size());
        p.setWaiting(stateCount(PackageState.PACKAGE_STATE_WAITING))
                .setReady(stateCount(PackageState.PACKAGE_STATE_READY))
                .setRunning(stateCount(PackageState.PACKAGE_STATE_RUNNING))
                .setSucceeded(stateCount(PackageState.PACKAGE_STATE_SUCCEEDED))
                .setCached(stateCount(PackageState.PACKAGE_STATE_CACHED))
                .setFailed(stateCount(PackageState.PACKAGE_STATE_FAILED))
                .setSkipped(stateCount(PackageState.PACKAGE_STATE_SKIPPED))
                .setCancelled(stateCount(PackageState.PACKAGE_STATE_CANCELLED))
                .setRegressions(regressions);
        int done = p.getSucceeded() + p.getCached() + p.getFailed() + p.getSkipped() + p.getCancelled();
        return p.setDone(done)
                .setSbuTotal(sbuTotal)
                .setSbuDone(sbuDoneMicro / 1e6)
                .build();
    }

    private PackageState[] counted; // the state each package is counted under; null: recount on the next progress()
    private boolean[] countedRegression;
    private final int[] stateCounts = new int[PackageState.values().length];
    private int regressions;
    private long sbuDoneMicro; // micro-SBU: exact under adding and removing
    private double sbuTotal;

    private int stateCount(PackageState s) {
        return stateCounts[s.ordinal()];
    }

    /** The package statuses were replaced or changed wholesale (restore, retry): recount on the next progress(). */
    void invalidateProgress() {
        counted = null;
    }

    /** Brings the progress counters up to date with {@code task}'s status (cheap; call after changing it). */
    void touch(int task) {
        if (counted == null) {
            return;
        }
        PackageStatus.Builder status = packages[task];
        PackageState now = status.getState();
        if (counted[task] != now) {
            count(counted[task], task, -1);
            count(now, task, 1);
            counted[task] = now;
        }
        boolean regression = status.hasRegression();
        if (countedRegression[task] != regression) {
            regressions += regression ? 1 : -1;
            countedRegression[task] = regression;
        }
    }

    private void count(PackageState s, int task, int sign) {
        stateCounts[s.ordinal()] += sign;
        if (s == PackageState.PACKAGE_STATE_SUCCEEDED || s == PackageState.PACKAGE_STATE_CACHED) {
            sbuDoneMicro += sign * Math.round(graph.recipe(task).sbu() * 1e6);
        }
    }

    private void recount() {
        java.util.Arrays.fill(stateCounts, 0);
        regressions = 0;
        sbuDoneMicro = 0;
        sbuTotal = 0;
        counted = new PackageState[packages.length];
        countedRegression = new boolean[packages.length];
        for (int i = 0; i < packages.length; i++) {
            sbuTotal += graph.recipe(i).sbu();
            counted[i] = packages[i].getState();
            count(counted[i], i, 1);
            countedRegression[i] = packages[i].hasRegression();
            regressions += countedRegression[i] ? 1 : 0;
        }
    }

    /** The build as the API shows it; {@code withPackages} false gives the summary only. */
    Build toProto(boolean withPackages) {
        Build.Builder b = Build.newBuilder()
                .setBuildId(id)
                .setState(state)
                .setBookName(spec.getBook().getName())
                .addAllTargets(graph.targets())
                .setProfile(graph.profile().name())
                .setNoCache(spec.getNoCache())
                .setFailFast(spec.getFailFast())
                .setRequestId(spec.getRequestId())
                .setSubmitter(spec.getSubmitter())
                .setSubmittedAt(timestamp(submittedAt))
                .setProgress(progress())
                .setRetryCount(retryCount)
                .setMessage(message);
        if (startedAt != null) {
            b.setStartedAt(timestamp(startedAt));
        }
        if (finishedAt != null) {
            b.setFinishedAt(timestamp(finishedAt));
        }
        for (DroppedEdge d : graph.droppedEdges()) {
            b.addDroppedEdges(DependencyEdge.newBuilder()
                    .setPackageId(d.edge().from())
                    .setDependsOn(d.edge().to())
                    .setDependencyClass(dependencyClass(d.edge().dependencyClass())));
        }
        if (withPackages) {
            for (int task : graph.topologicalOrder()) { // the API promises dependencies first, book order for ties
                b.addPackages(packages[task].build());
            }
        }
        return b.build();
    }

    static dev.lfsfarm.proto.v1.DependencyClass dependencyClass(DependencyClass c) {
        return dev.lfsfarm.proto.v1.DependencyClass.valueOf("DEPENDENCY_CLASS_" + c.name());
    }

    List<PackageStatus> statuses(List<Integer> tasks) {
        List<PackageStatus> result = new ArrayList<>(tasks.size());
        tasks.forEach(t -> result.add(packages[t].build()));
        return result;
    }

    static com.google.protobuf.Duration duration(java.time.Duration d) {
        return ProtoTime.duration(d);
    }

    static Timestamp timestamp(Instant t) {
        return ProtoTime.timestamp(t);
    }
}
