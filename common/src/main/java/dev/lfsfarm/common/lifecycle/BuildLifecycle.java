package dev.lfsfarm.common.lifecycle;

import dev.lfsfarm.common.error.FarmException;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.schedule.Assignment;
import dev.lfsfarm.common.schedule.BuildScheduler;
import dev.lfsfarm.common.schedule.TaskState;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildProgress;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.CancelReason;
import dev.lfsfarm.proto.v1.FailureKind;
import dev.lfsfarm.proto.v1.PackageEstimate;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.PackageStatusOrBuilder;
import dev.lfsfarm.proto.v1.Regression;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One build's life, pure: the state of each of its packages, its scheduler, its attempts and its
 * own state, turned by events into new states plus {@link Effect}s for the owner to carry out. It
 * does no I/O, keeps no threads and reads time only from its {@link LifecycleContext}; the
 * coordinator drives it with real events on its dispatch thread, the simulator with virtual ones.
 * Not thread-safe: one thread at a time.
 *
 * <p>Events: {@link #start} (submitted), {@link #retry}, {@link #resume}, {@link #restore} (after a
 * takeover: running packages are held for their workers), {@link #settleCached} (cache hits, or a
 * wait for an identical action in flight), {@link #assignments} and {@link #assigned} (an attempt
 * starts), {@link #result} (succeeded, failed, cancelled), {@link #lost} (requeue, or fail after the
 * requeue limit), {@link #readopt} and {@link #releaseOrphan} (held attempts), {@link #cancel},
 * {@link #interrupt} and {@link #finishIfDone}.
 *
 * <p>Order of effects, within the list each event returns: an ended attempt first ({@link
 * Effect.AttemptEnded}), then the action cache ({@link Effect.RecordActionResult}); a state change
 * is made durable before watchers hear of it ({@link Effect.PersistPackages} before its {@link
 * Effect.PackageChanged}s and their {@link Effect.ProgressChanged}; {@link Effect.PersistBuild}
 * before {@link Effect.BuildStateChanged}); cancels to workers follow the state that caused them; a
 * build's end is its final counts, its end state persisted and announced, then {@link
 * Effect.BuildFinished}.
 */
public final class BuildLifecycle {
    private final String id;
    private final SubmitBuildRequest spec;
    private final ResolvedGraph graph;
    private final String[] actionKeys;
    private final LifecycleContext context;
    private final PackageTable table;
    private final int[] requeues;
    private final Map<String, Attempt> attempts = new LinkedHashMap<>();
    /** Attempts restored from the registry that no worker has reported yet (after a takeover). */
    private final Set<String> orphans = new LinkedHashSet<>();

    private BuildScheduler scheduler;
    private BuildState state = BuildState.BUILD_STATE_QUEUED;
    private Instant submittedAt;
    private Instant startedAt;
    private Instant finishedAt;
    private String message = "";
    private int retryCount;
    private List<Effect> out = new ArrayList<>();

    /**
     * A build as submitted: every package WAITING. {@code spec} says how (no cache, calibration);
     * {@code actionKeys[task]} is the action key of each package of {@code graph}.
     */
    public BuildLifecycle(
            String id, SubmitBuildRequest spec, ResolvedGraph graph, String[] actionKeys, LifecycleContext context) {
        if (actionKeys.length != graph.size()) {
            throw new IllegalArgumentException(actionKeys.length + " action keys for " + graph.size() + " packages");
        }
        this.id = id;
        this.spec = spec;
        this.graph = graph;
        this.actionKeys = actionKeys.clone();
        this.context = context;
        int n = graph.size();
        this.table = new PackageTable(graph, this.actionKeys, spec.getNoCache(), context.ticker());
        this.requeues = new int[n];
        this.submittedAt = context.clock().instant();
    }

    // ---- starting ----

    /** Starts (or restarts) the build: a fresh scheduler; packages already done stay done. */
    public List<Effect> start() {
        prepare();
        List<Integer> changed = new ArrayList<>();
        for (int task = 0; task < graph.size(); task++) {
            if (syncState(task)) {
                changed.add(task);
            }
        }
        setState(BuildState.BUILD_STATE_RUNNING, "");
        if (startedAt == null) {
            startedAt = context.clock().instant();
        }
        persist(changed);
        return drain();
    }

    /**
     * Reruns the failed, skipped and cancelled packages of a finished build; FAILED_PRECONDITION
     * when it has not finished. {@link #unfinishedPackages()} before the call says how many rerun.
     */
    public List<Effect> retry() {
        if (!isFinished()) {
            throw FarmException.precondition("build " + id + " is " + state + "; only a finished build can be retried");
        }
        table.resetUnfinished();
        retryCount++;
        finishedAt = null;
        return start();
    }

    /**
     * Continues an INTERRUPTED build; nothing when it is queued or running; FAILED_PRECONDITION
     * when it has finished.
     */
    public List<Effect> resume() {
        if (isFinished()) {
            throw FarmException.precondition("build " + id + " already finished ("
                    + state.name().replace("BUILD_STATE_", "") + "); use retry for its failed packages");
        }
        return state == BuildState.BUILD_STATE_INTERRUPTED ? start() : List.of();
    }

    /**
     * Takes the build's fields and package statuses from the registry (a takeover or a restart) and
     * continues it: queued and running builds start again with their RUNNING packages held for the
     * workers that may still run them (an {@link Effect.AttemptStarted} each, see {@link #orphans});
     * a cancelling one ends as cancelled; an interrupted one waits for {@link #resume}.
     */
    public List<Effect> restore(Build stored) {
        state = stored.getState();
        message = stored.getMessage();
        retryCount = stored.getRetryCount();
        submittedAt = ProtoTime.instant(stored.getSubmittedAt());
        startedAt = stored.hasStartedAt() ? ProtoTime.instant(stored.getStartedAt()) : null;
        finishedAt = stored.hasFinishedAt() ? ProtoTime.instant(stored.getFinishedAt()) : null;
        stored.getPackagesList().forEach(table::restore);
        switch (state) {
            case BUILD_STATE_QUEUED, BUILD_STATE_RUNNING -> {
                holdRunning();
                List<Effect> started = start(); // drains what holdRunning queued, in order
                out.addAll(started);
            }
            case BUILD_STATE_CANCELLING -> {
                prepare();
                List<Integer> changed = scheduler.cancelPending();
                changed.forEach(this::syncState);
                persist(changed);
                finishIfDoneInto();
            }
            case BUILD_STATE_INTERRUPTED -> prepare();
            default -> {} // finished: kept for status, logs and retry
        }
        return drain();
    }

    /**
     * A fresh scheduler that knows what is already settled: SUCCEEDED and CACHED packages are done,
     * FAILED ones failed again (so their dependents are SKIPPED) without running.
     */
    private void prepare() {
        double[] sbu = new double[graph.size()];
        for (int task = 0; task < sbu.length; task++) {
            PackageEstimate e = context.estimates()
                    .estimate(graph.id(task), graph.recipe(task).sbu());
            sbu[task] = e.getSbu();
            table.status(task).setSbuEstimate(e.getSbu()).setEstimateSource(e.getSource());
        }
        scheduler = new BuildScheduler(
                graph, context.policy(), context.model(), context.referenceCores(), context.pool(), sbu);
        if (!spec.getCalibrateWorker().isEmpty()) {
            scheduler.restrictTo(spec.getCalibrateWorker(), 1); // SBU is defined on one core
        }
        for (int task : graph.topologicalOrder()) {
            PackageState s = table.status(task).getState();
            if (scheduler.state(task) != TaskState.READY) {
                continue; // skipped because an earlier package failed
            }
            if (s == PackageState.PACKAGE_STATE_SUCCEEDED || s == PackageState.PACKAGE_STATE_CACHED) {
                scheduler.cached(task);
                table.cacheChecked(task);
            } else if (s == PackageState.PACKAGE_STATE_FAILED) {
                scheduler.failedEarlier(task);
            }
        }
    }

    /** Packages the registry says are running: their workers may still be building them. */
    private void holdRunning() {
        for (int task = 0; task < graph.size(); task++) {
            PackageStatus.Builder status = table.status(task);
            if (status.getState() != PackageState.PACKAGE_STATE_RUNNING
                    || status.getAttemptId().isEmpty()) {
                continue;
            }
            Instant started = status.hasStartedAt()
                    ? ProtoTime.instant(status.getStartedAt())
                    : context.clock().instant();
            Attempt a = new Attempt(
                    status.getAttemptId(), id, task, graph.id(task), status.getWorker(), status.getAttempts(), started);
            attempts.put(a.id(), a);
            orphans.add(a.id());
            table.hold(task, true);
            out.add(new Effect.AttemptStarted(a, actionKeys[task]));
        }
    }

    // ---- takeover holds ----

    /**
     * A worker reports a held attempt: it runs on, placed where it is. When the build was cancelled
     * meanwhile the attempt ends instead (the caller tells the worker to stop it); {@link
     * #attempt(String)} says which.
     */
    public List<Effect> readopt(String attemptId, int cores) {
        Attempt a = attempts.get(attemptId);
        if (a == null || !orphans.remove(attemptId)) {
            return List.of();
        }
        table.hold(a.task(), false);
        if (scheduler.state(a.task()) != TaskState.READY) {
            retire(a);
            syncState(a.task());
            persist(List.of(a.task()));
            return drain();
        }
        scheduler.adopt(a.task(), a.worker(), Math.max(1, cores));
        return drain();
    }

    /** A held attempt no worker reported in time (or its worker came back without it): its package runs again. */
    public List<Effect> releaseOrphan(String attemptId, String reason) {
        Attempt a = attempts.get(attemptId);
        if (a == null || !orphans.remove(attemptId)) {
            return List.of();
        }
        retire(a);
        table.hold(a.task(), false);
        table.status(a.task()).setFailureReason(reason + "; requeued");
        syncState(a.task());
        persist(List.of(a.task()));
        finishIfDoneInto();
        return drain();
    }

    // ---- placing ----

    /**
     * Settles READY packages through the cache: a hit makes the package CACHED (and may make its
     * dependents READY, looked up in turn); a package whose identical action is in flight elsewhere
     * waits for it, and is looked up again on the next call. Nothing for a no-cache build.
     */
    public List<Effect> settleCached(SharedActions shared) {
        if (spec.getNoCache()) {
            return List.of();
        }
        List<Integer> changed = table.settleCached(scheduler, shared);
        changed.forEach(this::syncState);
        persist(changed);
        return drain();
    }

    /**
     * Places READY packages on free workers (none unless RUNNING): not those held for their workers,
     * nor, unless the build ignores the cache, those whose identical action is in flight. Each
     * assignment must be followed by {@link #assigned}.
     */
    public List<Assignment> assignments(SharedActions shared) {
        if (state != BuildState.BUILD_STATE_RUNNING) {
            return List.of();
        }
        boolean waitForTwins = !spec.getNoCache();
        return scheduler.assign(task -> !table.isHeld(task) && (!waitForTwins || !shared.inFlight(actionKeys[task])));
    }

    /** An assignment became attempt {@code attemptId}: the package is RUNNING there. */
    public List<Effect> assigned(Assignment assignment, String attemptId) {
        int task = assignment.task();
        table.readyNanos(task).ifPresent(nanos -> out.add(new Effect.Dispatched(graph.id(task), nanos)));
        PackageStatus.Builder status = table.status(task);
        int number = status.getAttempts() + 1;
        Attempt attempt = new Attempt(
                attemptId,
                id,
                task,
                graph.id(task),
                assignment.worker(),
                number,
                context.clock().instant());
        attempts.put(attemptId, attempt);
        out.add(new Effect.AttemptStarted(attempt, actionKeys[task]));
        status.setAttempts(number)
                .setAttemptId(attemptId)
                .setWorker(assignment.worker())
                .setCacheHit(false)
                .setStartedAt(ProtoTime.timestamp(attempt.startedAt()));
        syncState(task);
        persist(List.of(task));
        return drain();
    }

    // ---- outcomes ----

    /** The attempt ended as {@code result} says, with no log and no regression (the simulator). */
    public List<Effect> result(String attemptId, AttemptResult result) {
        return result(attemptId, result, 0, Optional.empty());
    }

    /**
     * The attempt ended as {@code result} says: a success is recorded in the action cache and
     * makes dependents READY; a failure skips its dependents; a cancel just ends it. {@code logSize}
     * is its log's size, {@code regression} set when it was far slower than usual.
     */
    public List<Effect> result(String attemptId, AttemptResult result, long logSize, Optional<Regression> regression) {
        Attempt a = attempts.get(attemptId);
        if (a == null) {
            return List.of();
        }
        retire(a);
        int task = a.task();
        Instant now = context.clock().instant();
        PackageStatus.Builder status = table.status(task);
        status.setWallSeconds(result.getMeasurements().getTotal().getWallSeconds())
                .setMeasurements(result.getMeasurements())
                .setExitCode(result.getExitCode())
                .setLogSizeBytes(logSize)
                .setCurrentPhase("")
                .setFinishedAt(ProtoTime.timestamp(now))
                .clearRegression();
        regression.ifPresent(status::setRegression);
        List<Integer> changed = new ArrayList<>(List.of(task));
        switch (result.getOutcome()) {
            case ATTEMPT_OUTCOME_SUCCEEDED -> {
                status.setArtifact(result.getArtifact())
                        .setManifest(result.getManifest())
                        .clearFailureReason();
                out.add(new Effect.RecordActionResult(ActionResult.newBuilder()
                        .setActionKey(actionKeys[task])
                        .setArtifact(result.getArtifact())
                        .setManifest(result.getManifest())
                        .setMeasurements(result.getMeasurements())
                        .setPackageId(a.packageId())
                        .setVersion(graph.recipe(task).version())
                        .setBuildId(id)
                        .setAttemptId(a.id())
                        .setWorker(a.worker())
                        .setCreatedAt(ProtoTime.timestamp(now))
                        .build()));
                changed.addAll(scheduler.finished(task));
            }
            case ATTEMPT_OUTCOME_CANCELLED -> scheduler.cancelled(task);
            default -> {
                status.setFailureKind(result.getFailureKind())
                        .setFailureReason(result.getFailureReason())
                        .setFailedPhase(result.getFailedPhase())
                        .setLogTail(result.getLogTail());
                changed.addAll(scheduler.failed(task));
            }
        }
        changed.forEach(this::syncState);
        persist(changed);
        finishIfDoneInto();
        return drain();
    }

    /**
     * The attempt's worker is gone: its package starts again elsewhere, or fails (FAILURE_KIND_LOST)
     * once its attempts exceed the requeue limit; in a cancelling build it ends as cancelled.
     */
    public List<Effect> lost(String attemptId, String reason) {
        Attempt a = attempts.get(attemptId);
        if (a == null) {
            return List.of();
        }
        retire(a);
        int task = a.task();
        PackageStatus.Builder status = table.status(task);
        List<Integer> changed = new ArrayList<>(List.of(task));
        int limit = context.maxRequeues();
        if (state == BuildState.BUILD_STATE_CANCELLING) {
            scheduler.cancelled(task);
        } else if (a.number() > limit) {
            status.setFailureKind(FailureKind.FAILURE_KIND_LOST)
                    .setFailureReason(reason + "; given up after " + a.number() + " attempts");
            changed.addAll(scheduler.failed(task));
        } else {
            status.setFailureReason(reason + "; requeued (attempt " + a.number() + " of " + (limit + 1) + ")");
            scheduler.requeue(task);
            requeues[task]++;
        }
        changed.forEach(this::syncState);
        persist(changed);
        finishIfDoneInto();
        return drain();
    }

    /** A running attempt reports the phase it is in (status only: nothing is persisted or told). */
    public void phase(String attemptId, String phase) {
        Attempt a = attempts.get(attemptId);
        if (a != null) {
            table.status(a.task()).setCurrentPhase(phase);
        }
    }

    /**
     * Cancels the build: nothing new starts and its running attempts are told to stop; it is
     * CANCELLING until they have reported, then CANCELLED. Nothing when it has finished.
     */
    public List<Effect> cancel(String reason) {
        if (isFinished()) {
            return List.of();
        }
        List<Integer> changed = scheduler.cancelPending();
        changed.forEach(this::syncState);
        setState(BuildState.BUILD_STATE_CANCELLING, reason.isEmpty() ? "cancelled" : reason);
        for (Attempt a : attempts.values()) {
            out.add(new Effect.SendCancel(
                    a.id(), a.worker(), CancelReason.CANCEL_REASON_BUILD_CANCELLED, "build cancelled"));
        }
        persist(changed);
        finishIfDoneInto();
        return drain();
    }

    /**
     * The farm is stopping: running attempts are cancelled and requeued (held ones released), and
     * the build becomes INTERRUPTED, to continue with {@link #resume}. Nothing when it has finished or
     * is interrupted already.
     */
    public List<Effect> interrupt(String why) {
        if (isFinished() || state == BuildState.BUILD_STATE_INTERRUPTED) {
            return List.of();
        }
        List<Integer> changed = new ArrayList<>();
        for (Attempt a : List.copyOf(attempts.values())) {
            out.add(new Effect.SendCancel(a.id(), a.worker(), CancelReason.CANCEL_REASON_BUILD_CANCELLED, why));
            boolean orphan = orphans.remove(a.id());
            retire(a);
            table.hold(a.task(), false);
            if (!orphan) {
                scheduler.requeue(a.task());
            }
            table.status(a.task()).setFailureReason("interrupted: " + why);
            changed.add(a.task());
        }
        changed.forEach(this::syncState);
        persist(changed);
        setState(BuildState.BUILD_STATE_INTERRUPTED, why);
        return drain();
    }

    /** Ends the build if its scheduler has nothing left: SUCCEEDED, FAILED or CANCELLED. */
    public List<Effect> finishIfDone() {
        finishIfDoneInto();
        return drain();
    }

    private void finishIfDoneInto() {
        if (isFinished() || scheduler == null || !scheduler.isComplete()) {
            return;
        }
        BuildProgress p = progress();
        BuildState end = state == BuildState.BUILD_STATE_CANCELLING
                ? BuildState.BUILD_STATE_CANCELLED
                : p.getSucceeded() + p.getCached() == p.getTotal()
                        ? BuildState.BUILD_STATE_SUCCEEDED
                        : BuildState.BUILD_STATE_FAILED;
        finishedAt = context.clock().instant();
        out.add(new Effect.ProgressChanged(true)); // the final counts, before the stream ends
        setState(
                end,
                end == BuildState.BUILD_STATE_FAILED
                        ? p.getFailed() + " failed, " + p.getSkipped() + " skipped"
                        : message);
        out.add(new Effect.BuildFinished(end));
    }

    // ---- internals ----

    private void setState(BuildState next, String why) {
        BuildState previous = state;
        state = next;
        message = why;
        out.add(new Effect.PersistBuild(toProto(false)));
        if (previous != next) {
            out.add(new Effect.BuildStateChanged(previous, next, why));
        }
    }

    private void persist(List<Integer> changed) {
        if (changed.isEmpty()) {
            return;
        }
        List<PackageStatus> statuses = table.snapshot(changed);
        out.add(new Effect.PersistPackages(id, statuses));
        statuses.forEach(s -> out.add(new Effect.PackageChanged(s)));
        out.add(new Effect.ProgressChanged(false));
    }

    private void retire(Attempt a) {
        attempts.remove(a.id());
        out.add(new Effect.AttemptEnded(a, actionKeys[a.task()]));
    }

    private List<Effect> drain() {
        List<Effect> effects = out;
        out = new ArrayList<>();
        return effects;
    }

    private boolean syncState(int task) {
        return table.sync(task, scheduler);
    }

    // ---- queries ----

    public String id() {
        return id;
    }

    public SubmitBuildRequest spec() {
        return spec;
    }

    public ResolvedGraph graph() {
        return graph;
    }

    public String actionKey(int task) {
        return actionKeys[task];
    }

    /** The scheduler of the current start; null before the first {@link #start} or {@link #restore}. */
    public BuildScheduler scheduler() {
        return scheduler;
    }

    public BuildState state() {
        return state;
    }

    public String message() {
        return message;
    }

    public boolean isFinished() {
        return state == BuildState.BUILD_STATE_SUCCEEDED
                || state == BuildState.BUILD_STATE_FAILED
                || state == BuildState.BUILD_STATE_CANCELLED;
    }

    /** A package's status as it is now (a read-only view; it changes with later events). */
    public PackageStatusOrBuilder status(int task) {
        return table.status(task);
    }

    /** Packages not SUCCEEDED or CACHED: what {@link #retry} reruns. */
    public int unfinishedPackages() {
        BuildProgress p = progress();
        return p.getTotal() - p.getSucceeded() - p.getCached();
    }

    /** How many times package {@code task} was requeued after losing its worker, over this lifecycle. */
    public int requeues(int task) {
        return requeues[task];
    }

    /** Whether package {@code task} is held for a worker from before a takeover. */
    public boolean isHeld(int task) {
        return table.isHeld(task);
    }

    /** The current attempt {@code attemptId} of this build, if it is one. */
    public Optional<Attempt> attempt(String attemptId) {
        return Optional.ofNullable(attempts.get(attemptId));
    }

    /** Current attempts, oldest first. */
    public Collection<Attempt> attempts() {
        return List.copyOf(attempts.values());
    }

    /** Held attempts (restored after a takeover) that no worker has reported yet. */
    public Set<String> orphans() {
        return Set.copyOf(orphans);
    }

    public boolean isOrphan(String attemptId) {
        return orphans.contains(attemptId);
    }

    public BuildProgress progress() {
        return table.progress();
    }

    /** The build as the API shows it; {@code withPackages} false gives the summary only. */
    public Build toProto(boolean withPackages) {
        return BuildSummary.of(this, withPackages, submittedAt, startedAt, finishedAt, retryCount);
    }

    /** Package statuses in topological order (dependencies first, book order for ties). */
    List<PackageStatus> packagesInOrder() {
        return table.inOrder();
    }
}
