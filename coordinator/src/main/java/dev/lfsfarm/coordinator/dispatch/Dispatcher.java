package dev.lfsfarm.coordinator.dispatch;

import com.google.protobuf.ByteString;
import dev.lfsfarm.common.action.ActionKeys;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.concurrent.DaemonThreadFactory;
import dev.lfsfarm.common.graph.DependencyResolver;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.history.LearnedDurations;
import dev.lfsfarm.common.history.RecipePhases;
import dev.lfsfarm.common.input.InputError;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.recipe.Book;
import dev.lfsfarm.common.schedule.Assignment;
import dev.lfsfarm.common.schedule.BuildScheduler;
import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.Policy;
import dev.lfsfarm.common.schedule.TaskState;
import dev.lfsfarm.common.schedule.WorkerPool;
import dev.lfsfarm.common.schedule.WorkerSpec;
import dev.lfsfarm.common.wire.BookMessages;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.coordinator.history.AttemptHistory;
import dev.lfsfarm.coordinator.log.LogStore;
import dev.lfsfarm.coordinator.state.BuildStateStore;
import dev.lfsfarm.coordinator.state.FencedException;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.AttemptInfo;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptProgress;
import dev.lfsfarm.proto.v1.AttemptRecord;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.BookEstimate;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildEvent;
import dev.lfsfarm.proto.v1.BuildSnapshot;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.BuildStateChanged;
import dev.lfsfarm.proto.v1.CancelAttempt;
import dev.lfsfarm.proto.v1.CancelReason;
import dev.lfsfarm.proto.v1.CoordinatorMessage;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.FailureKind;
import dev.lfsfarm.proto.v1.Hello;
import dev.lfsfarm.proto.v1.Measurements;
import dev.lfsfarm.proto.v1.PackageEstimate;
import dev.lfsfarm.proto.v1.PackageHistory;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStateChanged;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.ResultAck;
import dev.lfsfarm.proto.v1.ResultRejectReason;
import dev.lfsfarm.proto.v1.StagedArtifact;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import dev.lfsfarm.proto.v1.Welcome;
import dev.lfsfarm.proto.v1.WorkerCalibration;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's event loop around the scheduler core. Every event — a submitted build, a
 * worker's hello, heartbeat silence, a result, a cancel — runs on one thread, in order, so the
 * scheduler core stays single-threaded and the state it keeps needs no locks. After each event the
 * loop checks the cache for newly ready packages and hands the rest to workers, critical path first.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    private static final DateTimeFormatter BUILD_ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** Least time between two PROGRESS events of a build. */
    static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final ScheduledExecutorService loop =
            Executors.newSingleThreadScheduledExecutor(DaemonThreadFactory.named("dispatcher"));
    private final DispatchSettings settings;
    private final BuildStateStore store;
    private final ResultCache cache;
    private final LogStore logs;
    private final long epoch;
    private final WorkerPool pool = new WorkerPool();
    private final DurationModel model;
    /** The benchmark manager: per-package attempt figures, worker speeds, regressions. */
    private final AttemptHistory history;

    private final Map<String, ActiveBuild> builds = new LinkedHashMap<>();
    private final Map<String, String> buildByRequestId = new HashMap<>();
    private final Map<String, WorkerSession> sessions = new LinkedHashMap<>();
    /** Workers the operator drained, by name: the drain holds across reconnects until undrained. */
    private final Set<String> drained = new HashSet<>();

    private final Map<String, Attempt> attempts = new ConcurrentHashMap<>();
    /** Action keys being built right now: an identical package of another build waits for the result. */
    private final Map<String, String> inFlight = new HashMap<>();
    /** Attempts restored from the registry that no worker has reported yet (after a takeover). */
    private final Set<String> orphans = new HashSet<>();

    private Instant orphanDeadline = Instant.MAX;
    private long attemptCounter;
    /** Set once a registry write is fenced off: this coordinator is deposed and does nothing more. */
    private volatile boolean halted;
    /** Set while the ZooKeeper connection is SUSPENDED: nothing new is dispatched until it is back. */
    private boolean paused;

    private volatile DispatchObserver observer = DispatchObserver.NONE;

    public Dispatcher(DispatchSettings settings, BuildStateStore store, ResultCache cache, LogStore logs) {
        this.settings = settings;
        this.store = store;
        this.cache = cache;
        this.logs = logs;
        this.epoch = store.nextEpoch();
        this.model = DurationModel.ofSbuSeconds(settings.sbuSeconds());
        this.history = new AttemptHistory(store, LearnedDurations.defaults(model, settings.regressionFactor()));
        history.load();
        long period = Math.max(100, settings.leaseTimeout().toMillis() / 10);
        loop.scheduleWithFixedDelay(() -> guarded(this::checkLeases), period, period, TimeUnit.MILLISECONDS);
    }

    public long epoch() {
        return epoch;
    }

    public DispatchSettings settings() {
        return settings;
    }

    public LogStore logs() {
        return logs;
    }

    /** Who hears of dispatches, lost workers and regressions (metrics); set before {@link #restore}. */
    public void observe(DispatchObserver observer) {
        this.observer = observer;
    }

    /** Builds, packages and workers counted on the dispatcher thread, for gauges. */
    public CompletableFuture<DispatchSnapshot> snapshot() {
        return call(() -> DispatchSnapshot.of(builds.values(), sessions.values()));
    }

    /** Runs {@code work} on the dispatcher thread. */
    public <T> CompletableFuture<T> call(Callable<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (loop.isShutdown() || halted) {
            result.completeExceptionally(unavailable());
            return result;
        }
        try {
            loop.execute(() -> {
                if (halted) {
                    result.completeExceptionally(unavailable());
                    return;
                }
                try {
                    result.complete(work.call());
                } catch (FencedException e) {
                    halt(e.getMessage());
                    result.completeExceptionally(unavailable());
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            result.completeExceptionally(Status.UNAVAILABLE
                    .withDescription("the coordinator is shutting down")
                    .asRuntimeException());
        }
        return result;
    }

    private void run(Runnable work) {
        if (loop.isShutdown() || halted) {
            return; // shutting down or deposed: late stream callbacks have nothing left to change
        }
        try {
            loop.execute(() -> guarded(work));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("event after shutdown ignored");
        }
    }

    /** Runs an event unless deposed; a fenced registry write deposes this dispatcher on the spot. */
    private void guarded(Runnable work) {
        if (halted) {
            return;
        }
        try {
            work.run();
        } catch (FencedException e) {
            halt(e.getMessage());
        } catch (RuntimeException e) {
            log.error("dispatcher event failed", e);
        }
    }

    private Status deposedStatus() {
        return Status.UNAVAILABLE.withDescription(
                "this coordinator (epoch " + epoch + ") is no longer the leader; retry");
    }

    private StatusRuntimeException unavailable() {
        return (halted ? deposedStatus() : Status.UNAVAILABLE.withDescription("the coordinator is shutting down"))
                .asRuntimeException();
    }

    /**
     * Deposed (a fenced write failed, or the election says so): from now on nothing is dispatched,
     * written or acknowledged. Workers and watchers are disconnected so they find the new leader.
     * Safe to call from any thread, more than once.
     */
    public void halt(String why) {
        if (halted) {
            return;
        }
        halted = true;
        log.info("dispatching stopped under epoch {}: {}", epoch, why);
        try {
            loop.execute(this::disconnectAll);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // already shut down: nothing left connected
        }
    }

    public boolean isHalted() {
        return halted;
    }

    private void disconnectAll() {
        Status status = deposedStatus();
        sessions.values().forEach(session -> session.close(status));
        for (ActiveBuild build : builds.values()) {
            for (ServerCallStreamObserver<BuildEvent> watcher : build.watchers) {
                try {
                    watcher.onError(status.asRuntimeException());
                } catch (RuntimeException e) {
                    // the watcher went away
                }
            }
            build.watchers.clear();
        }
    }

    /** SUSPENDED: stop handing out work until {@link #unpause()}; events are still taken. */
    public void pause() {
        run(() -> {
            paused = true;
            log.warn("ZooKeeper connection suspended: dispatching paused");
        });
    }

    /** RECONNECTED with leadership intact: dispatch again. */
    public void unpause() {
        run(() -> {
            if (paused) {
                paused = false;
                log.info("ZooKeeper connection back: dispatching again");
                dispatch();
            }
        });
    }

    // ---- builds ----

    /** Accepts a build: resolves it, records it, starts dispatching. A retried request returns the same build. */
    public CompletableFuture<SubmitBuildResponse> submit(SubmitBuildRequest request) {
        return call(() -> {
            String existing = request.getRequestId().isEmpty() ? null : buildByRequestId.get(request.getRequestId());
            if (existing != null) {
                return response(builds.get(existing), false);
            }
            SubmitBuildRequest accepted = checkCalibration(request);
            ActiveBuild build = create(accepted, newBuildId());
            builds.put(build.id, build);
            if (!request.getRequestId().isEmpty()) {
                buildByRequestId.put(request.getRequestId(), build.id);
            }
            store.created(accepted, build.toProto(true));
            log.info(
                    "build {} submitted: {} packages of {}",
                    build.id,
                    build.graph.size(),
                    request.getBook().getName());
            start(build);
            dispatch();
            return response(build, true);
        });
    }

    /** A calibration build names a connected worker and one target worth some SBU; it never uses the cache. */
    private SubmitBuildRequest checkCalibration(SubmitBuildRequest request) {
        String worker = request.getCalibrateWorker();
        if (worker.isEmpty()) {
            return request;
        }
        WorkerSession session = sessions.get(worker);
        if (session == null || !session.isOpen() || !pool.contains(worker)) {
            throw Status.FAILED_PRECONDITION
                    .withDescription("cannot calibrate worker '" + worker + "': it is not connected")
                    .asRuntimeException();
        }
        if (request.getTargetsCount() != 1) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("a calibration build has exactly one target (the SBU " + "reference package), got "
                            + request.getTargetsCount())
                    .asRuntimeException();
        }
        String target = request.getTargets(0);
        boolean worthSomething = request.getBook().getRecipesList().stream()
                .anyMatch(r -> r.getId().equals(target) && r.getSbu() > 0);
        if (!worthSomething) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("the SBU reference package '" + target
                            + "' must be in the book with an sbu above 0 (1 for binutils pass 1)")
                    .asRuntimeException();
        }
        return request.toBuilder().setNoCache(true).build();
    }

    private static String newBuildId() {
        return LocalDateTime.now(ZoneOffset.UTC).format(BUILD_ID) + "-"
                + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    }

    private ActiveBuild create(SubmitBuildRequest request, String id) {
        try {
            Book book = BookMessages.fromProto(
                    request.getBook(), "submitted book " + request.getBook().getName());
            String profile = request.getProfile().isEmpty() ? null : request.getProfile();
            ResolvedGraph graph = new DependencyResolver(book, book.profile(profile), request.getBreakCycles())
                    .resolve(request.getTargetsList());
            String[] keys = ActionKeys.compute(graph, settings.arch());
            return new ActiveBuild(id, request, graph, keys);
        } catch (InputException e) {
            List<String> lines = e.errors().stream().map(InputError::toString).toList();
            throw Status.INVALID_ARGUMENT
                    .withDescription(String.join("\n", lines))
                    .asRuntimeException();
        }
    }

    private static SubmitBuildResponse response(ActiveBuild build, boolean created) {
        return SubmitBuildResponse.newBuilder()
                .setBuildId(build.id)
                .setState(build.state)
                .setCreated(created)
                .setTotalPackages(build.graph.size())
                .addAllDroppedEdges(build.toProto(false).getDroppedEdgesList())
                .build();
    }

    /** A fresh scheduler for the build; packages already done stay done (this is also how a retry starts). */
    private void start(ActiveBuild build) {
        prepare(build);
        List<Integer> changed = new ArrayList<>();
        for (int task = 0; task < build.graph.size(); task++) {
            if (build.syncState(task)) {
                changed.add(task);
            }
        }
        setBuildState(build, BuildState.BUILD_STATE_RUNNING, "");
        if (build.startedAt == null) {
            build.startedAt = Instant.now();
        }
        persist(build, changed);
    }

    /**
     * A fresh scheduler that knows what is already settled: SUCCEEDED and CACHED packages are done,
     * FAILED ones failed again (so their dependents are SKIPPED) without running.
     */
    private void prepare(ActiveBuild build) {
        double[] sbu = new double[build.graph.size()];
        for (int task = 0; task < sbu.length; task++) {
            PackageEstimate e = history.estimate(
                    build.graph.id(task), build.graph.recipe(task).sbu());
            sbu[task] = e.getSbu();
            build.packages[task].setSbuEstimate(e.getSbu()).setEstimateSource(e.getSource());
        }
        build.scheduler = new BuildScheduler(build.graph, Policy.CRITICAL_PATH, model, 4, pool, sbu);
        if (!build.spec.getCalibrateWorker().isEmpty()) {
            build.scheduler.restrictTo(build.spec.getCalibrateWorker(), 1); // SBU is defined on one core
        }
        for (int task : build.graph.topologicalOrder()) {
            PackageState s = build.packages[task].getState();
            if (build.scheduler.state(task) != TaskState.READY) {
                continue; // skipped because an earlier package failed
            }
            if (s == PackageState.PACKAGE_STATE_SUCCEEDED || s == PackageState.PACKAGE_STATE_CACHED) {
                build.scheduler.cached(task);
                build.cacheChecked[task] = true;
            } else if (s == PackageState.PACKAGE_STATE_FAILED) {
                build.scheduler.failedEarlier(task);
            }
        }
    }

    // ---- takeover and restart ----

    /**
     * Loads the registry when this coordinator starts leading: every build becomes known again;
     * those that were queued or running continue (finished packages stay done, packages that were
     * running are held for their workers to report them); cancelling ones end as cancelled.
     * Returns how many builds continue.
     */
    public CompletableFuture<Integer> restore(List<BuildStateStore.StoredBuild> stored) {
        return call(() -> {
            int resumed = 0;
            orphanDeadline = Instant.now().plus(takeoverGrace());
            for (BuildStateStore.StoredBuild s : stored) {
                ActiveBuild build = restoreOne(s);
                if (build != null && build.state != BuildState.BUILD_STATE_INTERRUPTED && !build.isFinished()) {
                    resumed++;
                }
            }
            log.info(
                    "restored {} builds from the registry; {} continue, {} attempts await their workers for {} s",
                    builds.size(),
                    resumed,
                    orphans.size(),
                    takeoverGrace().toSeconds());
            dispatch();
            return resumed;
        });
    }

    /**
     * How long attempts from before a takeover wait for their workers: two leases, because a worker
     * first has to notice the old leader is gone and back off before it reconnects here.
     */
    private java.time.Duration takeoverGrace() {
        return settings.leaseTimeout().multipliedBy(2);
    }

    private ActiveBuild restoreOne(BuildStateStore.StoredBuild s) {
        String id = s.build().getBuildId();
        ActiveBuild build;
        try {
            build = create(s.spec(), id);
        } catch (StatusRuntimeException e) {
            log.error("build {} cannot be restored: {}", id, e.getStatus().getDescription());
            return null;
        }
        build.restoreFrom(s.build());
        builds.put(id, build);
        if (!s.spec().getRequestId().isEmpty()) {
            buildByRequestId.put(s.spec().getRequestId(), id);
        }
        switch (build.state) {
            case BUILD_STATE_QUEUED, BUILD_STATE_RUNNING -> {
                holdRunning(build);
                start(build);
            }
            case BUILD_STATE_CANCELLING -> {
                prepare(build);
                List<Integer> changed = build.scheduler.cancelPending();
                changed.forEach(build::syncState);
                persist(build, changed);
                finishIfDone(build);
            }
            case BUILD_STATE_INTERRUPTED -> prepare(build);
            default -> {} // finished: kept for status, logs and retry
        }
        return build;
    }

    /** Packages the registry says are running: their workers may still be building them. */
    private void holdRunning(ActiveBuild build) {
        for (int task = 0; task < build.graph.size(); task++) {
            PackageStatus.Builder status = build.packages[task];
            if (status.getState() != PackageState.PACKAGE_STATE_RUNNING
                    || status.getAttemptId().isEmpty()) {
                continue;
            }
            Attempt a = new Attempt(
                    status.getAttemptId(),
                    build,
                    task,
                    status.getWorker(),
                    status.getAttempts(),
                    status.hasStartedAt() ? ProtoTime.instant(status.getStartedAt()) : Instant.now());
            attempts.put(a.id(), a);
            orphans.add(a.id());
            inFlight.putIfAbsent(build.actionKeys[task], a.id());
            build.held[task] = true;
        }
    }

    /** An attempt from before the takeover that no worker reported in time: its package runs again. */
    private void releaseOrphan(Attempt a, String reason) {
        orphans.remove(a.id());
        retire(a);
        ActiveBuild build = a.build();
        build.held[a.task()] = false;
        build.packages[a.task()].setFailureReason(reason + "; requeued");
        log.warn("build {} package {} attempt {}: {}", build.id, a.packageId(), a.id(), reason);
        build.syncState(a.task());
        persist(build, List.of(a.task()));
        finishIfDone(build);
    }

    /** Continues an INTERRUPTED build (the farm was stopped while it ran). */
    public CompletableFuture<ResumeResult> resume(String buildId) {
        return call(() -> {
            ActiveBuild build = find(buildId);
            if (build.isFinished()) {
                throw Status.FAILED_PRECONDITION
                        .withDescription("build " + buildId + " already finished ("
                                + build.state.name().replace("BUILD_STATE_", "")
                                + "); use retry for its failed packages")
                        .asRuntimeException();
            }
            boolean resumed = build.state == BuildState.BUILD_STATE_INTERRUPTED;
            if (resumed) {
                start(build);
                log.info("build {} resumed", build.id);
                dispatch();
            }
            var p = build.progress();
            return new ResumeResult(build.state, resumed, p.getTotal() - p.getSucceeded() - p.getCached());
        });
    }

    /** What {@link #resume} did. */
    public record ResumeResult(BuildState state, boolean resumed, int remaining) {}

    /**
     * The whole farm is stopping (the last coordinator shuts down): running attempts are cancelled
     * and every running build becomes INTERRUPTED, to continue with {@code farm resume}.
     */
    public CompletableFuture<Integer> interruptAll(String why) {
        return call(() -> {
            int interrupted = 0;
            for (ActiveBuild build : builds.values()) {
                if (build.isFinished() || build.state == BuildState.BUILD_STATE_INTERRUPTED) {
                    continue;
                }
                List<Integer> changed = new ArrayList<>();
                for (Attempt a : List.copyOf(attempts.values())) {
                    if (a.build() == build) {
                        sendCancel(a, CancelReason.CANCEL_REASON_BUILD_CANCELLED, why);
                        boolean orphan = orphans.remove(a.id());
                        retire(a);
                        build.held[a.task()] = false;
                        if (!orphan) {
                            build.scheduler.requeue(a.task());
                        }
                        build.packages[a.task()].setFailureReason("interrupted: " + why);
                        changed.add(a.task());
                    }
                }
                changed.forEach(build::syncState);
                persist(build, changed);
                setBuildState(build, BuildState.BUILD_STATE_INTERRUPTED, why);
                interrupted++;
            }
            return interrupted;
        });
    }

    public CompletableFuture<Build> get(String buildId, boolean withPackages) {
        return call(() -> find(buildId).toProto(withPackages));
    }

    public CompletableFuture<List<Build>> list() {
        return call(() -> builds.values().stream().map(b -> b.toProto(false)).toList());
    }

    ActiveBuild find(String buildId) {
        ActiveBuild build = builds.get(buildId);
        if (build == null) {
            throw Status.NOT_FOUND.withDescription("no build '" + buildId + "'").asRuntimeException();
        }
        return build;
    }

    /** Cancels a build: nothing new starts, running attempts are told to stop. */
    public CompletableFuture<BuildState> cancel(String buildId, String reason) {
        return call(() -> {
            ActiveBuild build = find(buildId);
            if (build.isFinished()) {
                return build.state;
            }
            List<Integer> changed = build.scheduler.cancelPending();
            changed.forEach(build::syncState);
            setBuildState(build, BuildState.BUILD_STATE_CANCELLING, reason.isEmpty() ? "cancelled" : reason);
            for (Attempt a : List.copyOf(attempts.values())) {
                if (a.build() == build) {
                    sendCancel(a, CancelReason.CANCEL_REASON_BUILD_CANCELLED, "build cancelled");
                }
            }
            persist(build, changed);
            finishIfDone(build);
            return build.state;
        });
    }

    /** Reruns the failed, skipped and cancelled packages of a finished build. */
    public CompletableFuture<Integer> retry(String buildId) {
        return call(() -> {
            ActiveBuild build = find(buildId);
            if (!build.isFinished()) {
                throw Status.FAILED_PRECONDITION
                        .withDescription(
                                "build " + buildId + " is " + build.state + "; only a finished build can be retried")
                        .asRuntimeException();
            }
            int rerun = 0;
            for (PackageStatus.Builder p : build.packages) {
                PackageState s = p.getState();
                if (s != PackageState.PACKAGE_STATE_SUCCEEDED && s != PackageState.PACKAGE_STATE_CACHED) {
                    p.setState(PackageState.PACKAGE_STATE_WAITING)
                            .clearSkippedBecause()
                            .clearFailureReason()
                            .clearFailureKind()
                            .clearFailedPhase()
                            .clearExitCode()
                            .clearLogTail();
                    rerun++;
                }
            }
            java.util.Arrays.fill(build.cacheChecked, false);
            build.invalidateProgress();
            build.retryCount++;
            build.finishedAt = null;
            start(build);
            dispatch();
            return rerun;
        });
    }

    // ---- workers ----

    /** A worker said hello on a new stream. */
    public void hello(WorkerSession session, Hello hello) {
        run(() -> {
            if (hello.getName().isEmpty()
                    || hello.getCapacity().getSlots() < 1
                    || hello.getCapacity().getCores() < 1) {
                session.close(Status.INVALID_ARGUMENT.withDescription("hello needs a name, slots >= 1 and cores >= 1"));
                return;
            }
            if (hello.getNewestEpochSeen() > epoch) {
                session.close(Status.ABORTED.withDescription("this coordinator's epoch " + epoch
                        + " is older than the newest the worker has seen (" + hello.getNewestEpochSeen() + ")"));
                return;
            }
            WorkerSession previous = sessions.get(hello.getName());
            if (previous != null && previous.isOpen() && !previous.instanceId().equals(hello.getInstanceId())) {
                session.close(Status.ALREADY_EXISTS.withDescription(
                        "another worker is connected as '" + hello.getName() + "'"));
                return;
            }
            session.identify(hello.getName(), hello.getInstanceId(), hello.getPlatform(), hello.getCapacity());
            sessions.put(hello.getName(), session);
            boolean known = pool.contains(hello.getName());
            if (!known) {
                Map<String, String> labels = new HashMap<>(hello.getCapacity().getLabelsMap());
                labels.putIfAbsent(
                        "arch",
                        hello.getPlatform().getArch().isEmpty()
                                ? settings.arch()
                                : hello.getPlatform().getArch());
                pool.add(new WorkerSpec(
                        hello.getName(),
                        hello.getCapacity().getSlots(),
                        hello.getCapacity().getCores(),
                        (int) Math.min(Integer.MAX_VALUE, hello.getCapacity().getMemoryMb()),
                        labels));
            } else {
                pool.resume(hello.getName());
            }
            history.declared(hello.getName(), hello.getPlatform().getSecondsPerSbu());
            pool.setSpeed(hello.getName(), history.speed(hello.getName()).getSecondsPerSbu());
            if (drained.contains(hello.getName())) {
                pool.drain(hello.getName());
            }
            List<String> adopted = adopt(hello, known);
            session.send(CoordinatorMessage.newBuilder()
                    .setWelcome(Welcome.newBuilder()
                            .setLeaderEpoch(epoch)
                            .setHeartbeatInterval(ActiveBuild.duration(settings.heartbeatInterval()))
                            .setLeaseTimeout(ActiveBuild.duration(settings.leaseTimeout()))
                            .addAllAdoptedAttemptIds(adopted)
                            .setCoordinatorVersion("farm.v1")
                            .setAcceptsInlineArtifacts(true))
                    .build());
            // Welcome is the first message of a stream; what follows it: cancels of what was not adopted, a standing
            // drain.
            for (AttemptInfo info : hello.getAttemptsList()) {
                if (!adopted.contains(info.getAttemptId()) && !info.getFinished()) {
                    session.send(cancelMessage(
                            info.getAttemptId(),
                            CancelReason.CANCEL_REASON_NOT_ADOPTED,
                            "this coordinator does not expect the attempt any more"));
                }
            }
            if (drained.contains(hello.getName())) {
                session.send(CoordinatorMessage.newBuilder()
                        .setDrain(dev.lfsfarm.proto.v1.Drain.newBuilder())
                        .build());
            }
            log.info(
                    "worker {} connected from {} ({} slots, {} cores, {} MiB){}",
                    hello.getName(),
                    session.peer(),
                    hello.getCapacity().getSlots(),
                    hello.getCapacity().getCores(),
                    hello.getCapacity().getMemoryMb(),
                    adopted.isEmpty() ? "" : ", still running " + adopted.size() + " attempts");
            dispatch();
        });
    }

    /**
     * Attempts the worker still runs that are still wanted are kept (the caller cancels the others).
     * Attempts this coordinator expected on the worker but the worker no longer has are requeued.
     */
    private List<String> adopt(Hello hello, boolean known) {
        Set<String> reported = new HashSet<>();
        List<String> adopted = new ArrayList<>();
        for (AttemptInfo info : hello.getAttemptsList()) {
            reported.add(info.getAttemptId());
            Attempt a = attempts.get(info.getAttemptId());
            if (a != null && a.worker().equals(hello.getName()) && (!orphans.contains(a.id()) || readopt(a, info))) {
                adopted.add(a.id());
            }
        }
        for (Attempt a : List.copyOf(attempts.values())) {
            if (a.worker().equals(hello.getName()) && !reported.contains(a.id())) {
                if (orphans.contains(a.id())) {
                    releaseOrphan(a, "worker " + a.worker() + " reconnected without it after the takeover");
                } else if (known) {
                    lose(a, "the worker reconnected without it");
                }
            }
        }
        return adopted;
    }

    /** A worker reports an attempt the registry said was running before the takeover: it runs on, held there. */
    private boolean readopt(Attempt a, AttemptInfo info) {
        orphans.remove(a.id());
        ActiveBuild build = a.build();
        build.held[a.task()] = false;
        if (build.scheduler.state(a.task()) != TaskState.READY) {
            retire(a); // the build was cancelled meanwhile: the worker is told to stop it
            build.syncState(a.task());
            persist(build, List.of(a.task()));
            return false;
        }
        build.scheduler.adopt(a.task(), a.worker(), Math.max(1, info.getCores()));
        log.info(
                "build {} package {}: re-adopted attempt {} still {} on {}",
                build.id,
                a.packageId(),
                a.id(),
                info.getFinished() ? "reporting its result" : "running",
                a.worker());
        return true;
    }

    /** The worker's stream ended: it gets nothing new until it reconnects or its lease runs out. */
    public void streamClosed(WorkerSession session) {
        session.markClosed();
        run(() -> {
            if (session.name() != null && sessions.get(session.name()) == session) {
                pool.drain(session.name());
                log.info(
                        "worker {} disconnected; its lease runs {} s",
                        session.name(),
                        settings.leaseTimeout().toSeconds());
            }
        });
    }

    /** The operator drains (or undrains) a worker. */
    public CompletableFuture<WorkerSession> drain(String name, boolean undrain) {
        return call(() -> {
            WorkerSession session = sessions.get(name);
            if (session == null || !pool.contains(name)) {
                throw Status.NOT_FOUND
                        .withDescription("no worker '" + name + "'")
                        .asRuntimeException();
            }
            if (undrain) {
                drained.remove(name);
                pool.resume(name);
                dispatch();
            } else {
                drained.add(name);
                pool.drain(name);
            }
            session.send(CoordinatorMessage.newBuilder()
                    .setDrain(dev.lfsfarm.proto.v1.Drain.newBuilder().setUndrain(undrain))
                    .build());
            return session;
        });
    }

    private void checkLeases() {
        if (!orphans.isEmpty() && Instant.now().isAfter(orphanDeadline)) {
            for (String id : List.copyOf(orphans)) {
                Attempt a = attempts.get(id);
                releaseOrphan(
                        a,
                        "no worker reported attempt " + id + " within "
                                + takeoverGrace().toSeconds() + " s of the takeover");
            }
            dispatch();
        }
        long lease = settings.leaseTimeout().toNanos();
        for (WorkerSession session : List.copyOf(sessions.values())) {
            if (session.silentNanos() > lease && pool.contains(session.name())) {
                workerLost(session);
            }
        }
    }

    private void workerLost(WorkerSession session) {
        String name = session.name();
        observer.workerLost(name);
        log.warn(
                "worker {} lost: no heartbeat for {} s",
                name,
                settings.leaseTimeout().toSeconds());
        pool.remove(name);
        session.close(Status.UNAVAILABLE.withDescription("lease expired"));
        for (Attempt a : List.copyOf(attempts.values())) {
            if (a.worker().equals(name)) {
                lose(
                        a,
                        "worker " + name + " lost (no heartbeat for "
                                + settings.leaseTimeout().toSeconds() + " s)");
            }
        }
        dispatch();
    }

    /** An attempt's worker is gone: start the package again elsewhere, or fail it after too many losses. */
    private void lose(Attempt a, String reason) {
        retire(a);
        ActiveBuild build = a.build();
        PackageStatus.Builder status = build.packages[a.task()];
        List<Integer> changed = new ArrayList<>(List.of(a.task()));
        if (build.state == BuildState.BUILD_STATE_CANCELLING) {
            build.scheduler.cancelled(a.task());
        } else if (a.number() > settings.maxRequeues()) {
            status.setFailureKind(FailureKind.FAILURE_KIND_LOST)
                    .setFailureReason(reason + "; given up after " + a.number() + " attempts");
            changed.addAll(build.scheduler.failed(a.task()));
        } else {
            status.setFailureReason(
                    reason + "; requeued (attempt " + a.number() + " of " + (settings.maxRequeues() + 1) + ")");
            build.scheduler.requeue(a.task());
        }
        log.warn("build {} package {} attempt {}: {}", build.id, a.packageId(), a.id(), reason);
        changed.forEach(build::syncState);
        persist(build, changed);
        finishIfDone(build);
    }

    // ---- results ----

    /** A worker reports how an attempt ended; the answer tells it whether the result was applied. */
    public CompletableFuture<ResultAck> result(WorkerSession session, AttemptResult sent) {
        AttemptResult result;
        try {
            result = storeInline(sent);
        } catch (StatusRuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return call(() -> {
            ResultAck.Builder ack = ResultAck.newBuilder().setAttemptId(result.getAttemptId());
            Attempt a = attempts.get(result.getAttemptId());
            if (a != null && !a.worker().equals(session.name())) {
                log.warn("rejected a result of attempt {} from {}: it runs on {}", a.id(), session.name(), a.worker());
                return ack.setAccepted(false)
                        .setRejectReason(ResultRejectReason.RESULT_REJECT_REASON_UNKNOWN_ATTEMPT)
                        .setMessage("attempt " + a.id() + " is not assigned to worker " + session.name())
                        .build();
            }
            if (a == null) {
                log.warn(
                        "rejected a result for unknown or superseded attempt {} from {}",
                        result.getAttemptId(),
                        session.name());
                return ack.setAccepted(false)
                        .setRejectReason(ResultRejectReason.RESULT_REJECT_REASON_SUPERSEDED_ATTEMPT)
                        .setMessage("attempt " + result.getAttemptId()
                                + " is not current (superseded or unknown); result ignored")
                        .build();
            }
            if (result.getEpoch() != 0 && result.getEpoch() < epoch) {
                log.warn(
                        "rejected a result of attempt {} with stale epoch {} (now {})",
                        a.id(),
                        result.getEpoch(),
                        epoch);
                return ack.setAccepted(false)
                        .setRejectReason(ResultRejectReason.RESULT_REJECT_REASON_STALE_EPOCH)
                        .setMessage("epoch " + result.getEpoch() + " is older than " + epoch)
                        .build();
            }
            if (result.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED
                    && !cache.hasBlob(result.getArtifact().getSha256())) {
                return ack.setAccepted(false)
                        .setRejectReason(ResultRejectReason.RESULT_REJECT_REASON_ARTIFACT_MISSING)
                        .setMessage("artifact " + result.getArtifact().getSha256()
                                + " is not in the store; upload it and resend")
                        .build();
            }
            apply(a, result);
            return ack.setAccepted(true).build();
        });
    }

    /**
     * Stores the artifact and manifest a worker sent inline (small ones, instead of uploading them),
     * on the caller's thread, not the dispatcher's, and returns the result without their bytes.
     * Bytes that do not match their digest (or are over the limit) are the worker's fault: the
     * attempt counts as failed to upload. A store that cannot write is this coordinator's: the
     * result is answered UNAVAILABLE, so the worker keeps it and sends it again.
     */
    private AttemptResult storeInline(AttemptResult result) {
        if (result.getArtifactInline().isEmpty() && result.getManifestInline().isEmpty()) {
            return result;
        }
        AttemptResult.Builder stripped =
                result.toBuilder().clearArtifactInline().clearManifestInline();
        if (result.getOutcome() != AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED) {
            return stripped.build();
        }
        String problem = null;
        try {
            if (!stored(result.getManifest(), result.getManifestInline())) {
                problem = "the manifest sent with the result does not match its digest or is over "
                        + ArtifactClient.INLINE_MAX_BYTES + " bytes";
            } else if (!stored(result.getArtifact(), result.getArtifactInline())) {
                problem = "the artifact sent with the result does not match its digest or is over "
                        + ArtifactClient.INLINE_MAX_BYTES + " bytes";
            }
        } catch (IOException e) {
            log.error("cannot store the blobs attempt {} sent inline: {}", result.getAttemptId(), e.toString());
            throw Status.UNAVAILABLE
                    .withDescription("cannot store the artifact sent with the result: " + e.getMessage())
                    .asRuntimeException();
        }
        if (problem != null) {
            log.warn("attempt {}: {}", result.getAttemptId(), problem);
            stripped.setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
                    .setFailureKind(FailureKind.FAILURE_KIND_UPLOAD_FAILED)
                    .setFailureReason(problem);
        }
        return stripped.build();
    }

    /** Stores one inline blob; false when it is over the limit or does not match its digest. */
    private boolean stored(Digest digest, ByteString bytes) throws IOException {
        if (bytes.isEmpty()) {
            return true;
        }
        return bytes.size() <= ArtifactClient.INLINE_MAX_BYTES && cache.putBlob(digest, bytes.toByteArray());
    }

    private void apply(Attempt a, AttemptResult result) {
        retire(a);
        ActiveBuild build = a.build();
        PackageStatus.Builder status = build.packages[a.task()];
        status.setWallSeconds(result.getMeasurements().getTotal().getWallSeconds())
                .setMeasurements(result.getMeasurements())
                .setExitCode(result.getExitCode())
                .setLogSizeBytes(logs.size(a.id()))
                .setCurrentPhase("")
                .setFinishedAt(ActiveBuild.timestamp(Instant.now()));
        List<Integer> changed = new ArrayList<>(List.of(a.task()));
        if (result.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED) {
            calibrateIfAsked(a, RecipePhases.wallSeconds(result.getMeasurements())); // first: its record is then 1 SBU
        }
        AttemptRecord recorded = recordAttempt(a, result);
        pool.setSpeed(a.worker(), history.speed(a.worker()).getSecondsPerSbu()); // an estimate moves with each record
        status.clearRegression();
        if (recorded.hasRegression()) {
            status.setRegression(recorded.getRegression());
            observer.regressed(build.id, a.packageId());
            log.warn(
                    "build {} package {} took {} s, {}x its median of {} s: flagged as a regression",
                    build.id,
                    a.packageId(),
                    String.format("%.1f", recorded.getWallSeconds()),
                    String.format("%.1f", recorded.getRegression().getFactor()),
                    String.format("%.1f", recorded.getRegression().getExpectedSeconds()));
        }
        switch (result.getOutcome()) {
            case ATTEMPT_OUTCOME_SUCCEEDED -> {
                status.setArtifact(result.getArtifact())
                        .setManifest(result.getManifest())
                        .clearFailureReason();
                cache.record(ActionResult.newBuilder()
                        .setActionKey(build.actionKeys[a.task()])
                        .setArtifact(result.getArtifact())
                        .setManifest(result.getManifest())
                        .setMeasurements(result.getMeasurements())
                        .setPackageId(a.packageId())
                        .setVersion(build.graph.recipe(a.task()).version())
                        .setBuildId(build.id)
                        .setAttemptId(a.id())
                        .setWorker(a.worker())
                        .setCreatedAt(ActiveBuild.timestamp(Instant.now()))
                        .build());
                changed.addAll(build.scheduler.finished(a.task()));
            }
            case ATTEMPT_OUTCOME_CANCELLED -> build.scheduler.cancelled(a.task());
            default -> {
                status.setFailureKind(result.getFailureKind())
                        .setFailureReason(result.getFailureReason())
                        .setFailedPhase(result.getFailedPhase())
                        .setLogTail(result.getLogTail());
                changed.addAll(build.scheduler.failed(a.task()));
                log.info("build {} package {} failed: {}", build.id, a.packageId(), result.getFailureReason());
            }
        }
        changed.forEach(build::syncState);
        persist(build, changed);
        finishIfDone(build);
        dispatch();
    }

    /** Adds the attempt's figures to its package's history (flagging a regression) and returns the record. */
    private AttemptRecord recordAttempt(Attempt a, AttemptResult result) {
        Measurements m = result.getMeasurements();
        WorkerSpeed speed = history.speed(a.worker());
        double secondsPerSbu = speed.getSecondsPerSbu() > 0 ? speed.getSecondsPerSbu() : settings.sbuSeconds();
        double wall = RecipePhases.wallSeconds(m);
        dev.lfsfarm.common.recipe.Recipe recipe = a.build().graph.recipe(a.task());
        AttemptRecord record = AttemptRecord.newBuilder()
                .setPackageId(a.packageId())
                .setVersion(recipe.version())
                .setBuildId(a.build().id)
                .setAttemptId(a.id())
                .setWorker(a.worker())
                .setFinishedAt(ActiveBuild.timestamp(Instant.now()))
                .setOutcome(result.getOutcome())
                .setWallSeconds(wall)
                .setCpuSeconds(RecipePhases.cpuSeconds(m))
                .setPeakRssBytes(RecipePhases.peakRssBytes(m))
                .setCores(Math.max(1, m.getCores()))
                .setSbu(wall / secondsPerSbu)
                .setSecondsPerSbu(secondsPerSbu)
                .setSpeedSource(speed.getSource())
                .setBookSbu(recipe.sbu())
                .setDiskUsedBytes(m.getDiskUsedBytes())
                .setArtifactSizeBytes(m.getArtifactSizeBytes())
                .build();
        // A cancelled attempt was stopped part way: its time says nothing about the package.
        return result.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED ? record : history.record(record);
    }

    /** A calibration build's target succeeded: its time per SBU becomes the worker's speed. */
    private void calibrateIfAsked(Attempt a, double wall) {
        ActiveBuild build = a.build();
        String worker = build.spec.getCalibrateWorker();
        double sbu = build.graph.recipe(a.task()).sbu();
        if (worker.isEmpty() || !build.graph.targets().contains(a.packageId()) || sbu <= 0 || wall <= 0) {
            return;
        }
        double secondsPerSbu = wall / sbu;
        history.calibrated(WorkerCalibration.newBuilder()
                .setWorker(a.worker())
                .setSecondsPerSbu(secondsPerSbu)
                .setMeasuredAt(ActiveBuild.timestamp(Instant.now()))
                .setReferencePackage(a.packageId())
                .setReferenceSbu(sbu)
                .setWallSeconds(wall)
                .setBuildId(build.id)
                .build());
        pool.setSpeed(a.worker(), secondsPerSbu);
        log.info(
                "worker {} calibrated: {} s per SBU ({} built in {} s, {} SBU)",
                a.worker(),
                String.format("%.2f", secondsPerSbu),
                a.packageId(),
                String.format("%.2f", wall),
                sbu);
    }

    // ---- the benchmark manager, for HistoryService ----

    /** A package's kept history, if it has one. */
    public CompletableFuture<Optional<PackageHistory>> packageHistory(String packageId) {
        return call(() -> history.history(packageId));
    }

    /** The learned estimate of a package, or its book SBU. */
    public CompletableFuture<List<PackageEstimate>> estimates(List<BookEstimate> packages) {
        return call(() -> packages.stream()
                .map(p -> history.estimate(p.getPackageId(), p.getBookSbu()))
                .toList());
    }

    /** Every worker's speed, connected or known from history. */
    public CompletableFuture<List<WorkerSpeed>> workerSpeeds() {
        return call(() -> {
            Map<String, WorkerSpeed> speeds = new java.util.TreeMap<>();
            history.speeds().forEach(s -> speeds.put(s.getWorker(), s));
            for (String name : sessions.keySet()) {
                speeds.putIfAbsent(name, history.speed(name));
            }
            List<WorkerSpeed> result = new ArrayList<>();
            speeds.forEach((name, s) -> result.add(s.toBuilder()
                    .setConnected(pool.contains(name)
                            && sessions.get(name) != null
                            && sessions.get(name).isOpen())
                    .build()));
            return result;
        });
    }

    /** The learned-duration model (for a package's learned estimate in GetHistory). */
    public LearnedDurations learnedDurations() {
        return history.model();
    }

    /** Phase changes of a running attempt, for status and watchers. */
    public void progress(AttemptProgress progress) {
        run(() -> {
            Attempt a = attempts.get(progress.getAttemptId());
            if (a != null && !progress.getFinished()) {
                a.build().packages[a.task()].setCurrentPhase(progress.getPhase());
            }
        });
    }

    /** Log bytes of an attempt; written straight to disk on the caller's thread. */
    public void logChunk(String attemptId, byte[] data) {
        if (attempts.containsKey(attemptId)) {
            logs.append(attemptId, data);
        }
    }

    // ---- dispatching ----

    /** Settles cached packages, then places ready ones on workers, for every running build in submit order. */
    private void dispatch() {
        if (paused || halted) {
            return;
        }
        for (ActiveBuild build : builds.values()) {
            if (build.state != BuildState.BUILD_STATE_RUNNING) {
                continue;
            }
            settleCached(build);
            boolean waitForTwins = !build.spec.getNoCache();
            for (Assignment assignment : build.scheduler.assign(
                    task -> !build.held[task] && (!waitForTwins || !inFlight.containsKey(build.actionKeys[task])))) {
                send(build, assignment);
            }
            finishIfDone(build);
        }
    }

    private void settleCached(ActiveBuild build) {
        if (build.spec.getNoCache()) {
            return;
        }
        // Only packages not looked up yet: those that became READY since the last call (syncState queues
        // them) and those whose twin was in flight then. Copying and sorting the whole ready queue here
        // on every dispatch made a 100,000-package build quadratic.
        Deque<Integer> queue = new ArrayDeque<>(build.twinWait);
        build.twinWait.clear();
        queue.addAll(build.cacheQueue);
        build.cacheQueue.clear();
        List<Integer> changed = new ArrayList<>();
        while (!queue.isEmpty()) {
            int task = queue.poll();
            if (build.cacheChecked[task] || build.scheduler.state(task) != TaskState.READY) {
                continue;
            }
            if (inFlight.containsKey(build.actionKeys[task])) {
                build.twinWait.add(task); // an identical action running elsewhere: check the cache again when it ends
                continue;
            }
            build.cacheChecked[task] = true;
            Optional<ActionResult> hit = cache.lookup(build.actionKeys[task]);
            if (hit.isPresent()) {
                build.packages[task]
                        .setCacheHit(true)
                        .setArtifact(hit.get().getArtifact())
                        .setManifest(hit.get().getManifest())
                        .setMeasurements(hit.get().getMeasurements());
                changed.add(task);
                List<Integer> ready = build.scheduler.cached(task);
                changed.addAll(ready);
                queue.addAll(ready);
            }
        }
        changed.forEach(build::syncState);
        persist(build, changed);
    }

    private void send(ActiveBuild build, Assignment assignment) {
        int task = assignment.task();
        if (build.readySince[task] != 0) {
            observer.dispatched(build.graph.id(task), System.nanoTime() - build.readySince[task]);
        }
        WorkerSession session = sessions.get(assignment.worker());
        PackageStatus.Builder status = build.packages[task];
        int number = status.getAttempts() + 1;
        String id = epoch + "-" + (++attemptCounter);
        Attempt attempt = new Attempt(id, build, task, assignment.worker(), number, Instant.now());
        attempts.put(id, attempt);
        inFlight.putIfAbsent(build.actionKeys[task], id);
        status.setAttempts(number)
                .setAttemptId(id)
                .setWorker(assignment.worker())
                .setCacheHit(false)
                .setStartedAt(ActiveBuild.timestamp(attempt.startedAt()));
        build.syncState(task);
        persist(build, List.of(task));
        dev.lfsfarm.common.recipe.Recipe recipe = build.graph.recipe(task);
        Assign.Builder assign = Assign.newBuilder()
                .setAttemptId(id)
                .setLeaderEpoch(epoch)
                .setBuildId(build.id)
                .setPackageId(recipe.id())
                .setActionKey(build.actionKeys[task])
                .setRecipe(build.recipes.get(recipe.id()))
                .setCores(assignment.cores())
                .setMemoryMb(recipe.resources().memoryMb())
                .setDiskMb(recipe.resources().diskMb())
                .setSkipCheck(build.graph.profile().skipCheck())
                .putAllProfileEnv(build.graph.profile().env())
                .setLogCapBytes(settings.logCapBytes())
                .setAttemptNumber(number)
                .setSecondsPerSbu(pool.get(assignment.worker()).secondsPerSbu()); // kept equal to history.speed()
        for (int dep : transitiveDependencies(build, task)) {
            PackageStatus.Builder d = build.packages[dep];
            assign.addDependencies(StagedArtifact.newBuilder()
                    .setPackageId(d.getPackageId())
                    .setVersion(d.getVersion())
                    .setArtifact(d.getArtifact())
                    .setManifest(d.getManifest()));
        }
        log.debug(
                "build {} package {} -> {} ({} cores), attempt {}",
                build.id,
                recipe.id(),
                assignment.worker(),
                assignment.cores(),
                id);
        session.send(CoordinatorMessage.newBuilder().setAssign(assign).build());
    }

    /** Every package the task needs staged, dependencies before dependents. */
    private static List<Integer> transitiveDependencies(ActiveBuild build, int task) {
        int[] direct = build.graph.dependencies(task);
        if (direct.length == 0) {
            return List.of();
        }
        Set<Integer> seen = new HashSet<>();
        Deque<Integer> stack = new ArrayDeque<>();
        for (int d : direct) {
            stack.push(d);
        }
        while (!stack.isEmpty()) {
            int d = stack.pop();
            if (seen.add(d)) {
                for (int dd : build.graph.dependencies(d)) {
                    stack.push(dd);
                }
            }
        }
        // Sorted by topological position: O(k log k) in the closure, not a walk of the whole order per send.
        int[] rank = build.topologicalRank();
        List<Integer> ordered = new ArrayList<>(seen);
        ordered.sort(java.util.Comparator.comparingInt(d -> rank[d]));
        return ordered;
    }

    private void sendCancel(Attempt a, CancelReason reason, String message) {
        WorkerSession session = sessions.get(a.worker());
        if (session != null) {
            session.send(cancelMessage(a.id(), reason, message));
        }
    }

    private static CoordinatorMessage cancelMessage(String attemptId, CancelReason reason, String message) {
        return CoordinatorMessage.newBuilder()
                .setCancel(CancelAttempt.newBuilder()
                        .setAttemptId(attemptId)
                        .setReason(reason)
                        .setMessage(message))
                .build();
    }

    private void finishIfDone(ActiveBuild build) {
        if (build.isFinished() || !build.scheduler.isComplete()) {
            return;
        }
        var p = build.progress();
        BuildState end = build.state == BuildState.BUILD_STATE_CANCELLING
                ? BuildState.BUILD_STATE_CANCELLED
                : p.getSucceeded() + p.getCached() == p.getTotal()
                        ? BuildState.BUILD_STATE_SUCCEEDED
                        : BuildState.BUILD_STATE_FAILED;
        build.finishedAt = Instant.now();
        sendProgress(build); // the final counts, before the stream ends
        setBuildState(
                build,
                end,
                end == BuildState.BUILD_STATE_FAILED
                        ? p.getFailed() + " failed, " + p.getSkipped() + " skipped"
                        : build.message);
        log.info(
                "build {} {}: {} built, {} cached, {} failed, {} skipped",
                build.id,
                end,
                p.getSucceeded(),
                p.getCached(),
                p.getFailed(),
                p.getSkipped());
        for (ServerCallStreamObserver<BuildEvent> watcher : build.watchers) {
            complete(watcher);
        }
        build.watchers.clear();
    }

    private void setBuildState(ActiveBuild build, BuildState next, String message) {
        BuildState previous = build.state;
        build.state = next;
        build.message = message;
        store.buildChanged(build.toProto(false));
        if (previous != next) {
            emit(
                    build,
                    BuildEvent.newBuilder()
                            .setBuildStateChanged(BuildStateChanged.newBuilder()
                                    .setPreviousState(previous)
                                    .setState(next)
                                    .setMessage(message)));
        }
    }

    /** Makes package changes durable, then tells watchers. */
    private void persist(ActiveBuild build, List<Integer> changed) {
        if (changed.isEmpty()) {
            return;
        }
        changed.forEach(build::touch);
        List<PackageStatus> statuses = build.statuses(changed);
        store.packagesChanged(build.id, statuses);
        if (build.watchers.isEmpty()) {
            return;
        }
        for (PackageStatus status : statuses) {
            emit(
                    build,
                    BuildEvent.newBuilder()
                            .setPackageStateChanged(
                                    PackageStateChanged.newBuilder().setStatus(status)));
        }
        progressChanged(build);
    }

    /**
     * PROGRESS events are coalesced (events.proto: at most a few per second): one goes out now if
     * the last is older than {@link #PROGRESS_INTERVAL_NANOS}, else one is scheduled for when it
     * is, so the last counts always arrive. A wide build changes state hundreds of times a second,
     * and every event is work for the coordinator and every watcher.
     */
    private void progressChanged(ActiveBuild build) {
        if (build.progressScheduled) {
            return;
        }
        long wait = build.progressSentNanos + PROGRESS_INTERVAL_NANOS - System.nanoTime();
        if (wait <= 0) {
            sendProgress(build);
            return;
        }
        build.progressScheduled = true;
        loop.schedule(
                () -> guarded(() -> {
                    build.progressScheduled = false;
                    sendProgress(build);
                }),
                wait,
                TimeUnit.NANOSECONDS);
    }

    private void sendProgress(ActiveBuild build) {
        build.progressSentNanos = System.nanoTime();
        emit(build, BuildEvent.newBuilder().setProgress(build.progress()));
    }

    /** An attempt is over (result applied or worker lost): it is no longer current, in flight, or logging. */
    private void retire(Attempt a) {
        attempts.remove(a.id());
        inFlight.remove(a.build().actionKeys[a.task()], a.id());
        logs.close(a.id());
    }

    private void emit(ActiveBuild build, BuildEvent.Builder event) {
        if (build.watchers.isEmpty()) {
            return;
        }
        BuildEvent e = event.setSequence(++build.sequence)
                .setLeaderEpoch(epoch)
                .setResumeToken(build.id + ":" + epoch + ":" + build.sequence)
                .setTime(ActiveBuild.timestamp(Instant.now()))
                .build();
        for (ServerCallStreamObserver<BuildEvent> watcher : build.watchers) {
            if (watcher.isCancelled()) {
                build.watchers.remove(watcher);
                continue;
            }
            watcher.onNext(e);
        }
    }

    /** Starts a watcher with a snapshot; it gets every later event until the build ends. */
    public void watch(String buildId, ServerCallStreamObserver<BuildEvent> watcher) {
        run(() -> {
            ActiveBuild build;
            try {
                build = find(buildId);
            } catch (StatusRuntimeException e) {
                watcher.onError(e);
                return;
            }
            watcher.onNext(BuildEvent.newBuilder()
                    .setSequence(++build.sequence)
                    .setLeaderEpoch(epoch)
                    .setResumeToken(build.id + ":" + epoch + ":" + build.sequence)
                    .setSnapshot(BuildSnapshot.newBuilder().setBuild(build.toProto(true)))
                    .build());
            if (build.isFinished()) {
                complete(watcher);
            } else {
                build.watchers.add(watcher);
            }
        });
    }

    private static void complete(ServerCallStreamObserver<BuildEvent> watcher) {
        try {
            watcher.onCompleted();
        } catch (RuntimeException e) {
            // the watcher went away
        }
    }

    // ---- queries ----

    /** Why packages are not running: the scheduler core's answer, per package. */
    public CompletableFuture<Map<String, String>> explain(String buildId, List<String> packageIds) {
        return call(() -> {
            ActiveBuild build = find(buildId);
            Map<String, String> reasons = new LinkedHashMap<>();
            List<String> ids = packageIds.isEmpty() ? pendingPackages(build) : packageIds;
            for (String id : ids) {
                int task = build.graph.indexOf(id);
                if (task < 0) {
                    throw Status.NOT_FOUND
                            .withDescription("no package '" + id + "' in build " + buildId)
                            .asRuntimeException();
                }
                String reason = build.isFinished() ? null : build.scheduler.pendingReason(task);
                reasons.put(id, reason == null ? "not pending: " + build.packages[task].getState() : reason);
            }
            return reasons;
        });
    }

    /** The READY packages in dispatch order, then the WAITING ones; none once the build has finished. */
    private static List<String> pendingPackages(ActiveBuild build) {
        List<String> ids = new ArrayList<>();
        if (build.isFinished()) {
            return ids;
        }
        build.scheduler.ready().forEach(task -> ids.add(build.graph.id(task)));
        for (int task = 0; task < build.graph.size(); task++) {
            if (build.scheduler.state(task) == TaskState.WAITING) {
                ids.add(build.graph.id(task));
            }
        }
        return ids;
    }

    /** Index of a package in a build, and its state, for the services. */
    public CompletableFuture<PackageStatus> packageStatus(String buildId, String packageId) {
        return call(() -> {
            ActiveBuild build = find(buildId);
            int task = build.graph.indexOf(packageId);
            if (task < 0) {
                throw Status.NOT_FOUND
                        .withDescription("no package '" + packageId + "' in build " + buildId)
                        .asRuntimeException();
            }
            return build.packages[task].build();
        });
    }

    /** Connected and recently lost workers, with their free capacity and running attempts. */
    public CompletableFuture<List<WorkerView>> workers() {
        return call(() -> {
            List<WorkerView> views = new ArrayList<>();
            for (WorkerSession s : sessions.values()) {
                WorkerPool.Slot slot = pool.get(s.name());
                List<RunningAttempt> running = attempts.values().stream()
                        .filter(a -> a.worker().equals(s.name()))
                        .map(a -> new RunningAttempt(a.id(), a.build().id, a.packageId()))
                        .toList();
                views.add(new WorkerView(s, slot, pool.isDraining(s.name()), running));
            }
            return views;
        });
    }

    /** A worker as ListWorkers shows it. */
    public record WorkerView(
            WorkerSession session, WorkerPool.Slot slot, boolean draining, List<RunningAttempt> running) {}

    /** An attempt as ListWorkers shows it. */
    public record RunningAttempt(String id, String buildId, String packageId) {}

    // ---- sysroot checkpoints (the logic is in CheckpointRecorder; blobs = the artifact store) ----

    /** Records checkpoint {@code name}: build {@code buildId}'s packages up to {@code upto} (empty: all). */
    public CompletableFuture<CheckpointRecorder.Created> createCheckpoint(
            String name, String buildId, String upto, dev.lfsfarm.coordinator.state.SpecBlobs blobs) {
        return call(() -> checkpoints().create(name, buildId, upto, Instant.now(), blobs));
    }

    /** Every checkpoint, newest first, without entries. */
    public CompletableFuture<List<dev.lfsfarm.proto.v1.Checkpoint>> listCheckpoints() {
        return call(() -> checkpoints().list());
    }

    /** One checkpoint with its entries; NOT_FOUND when there is none by that name. */
    public CompletableFuture<dev.lfsfarm.proto.v1.Checkpoint> getCheckpoint(
            String name, dev.lfsfarm.coordinator.state.SpecBlobs blobs) {
        return call(() -> checkpoints().get(name, blobs));
    }

    /** Removes a checkpoint from the registry; returns its summary. */
    public CompletableFuture<dev.lfsfarm.proto.v1.Checkpoint> deleteCheckpoint(String name) {
        return call(() -> checkpoints().delete(name));
    }

    /** Garbage collection, step 1: keeps the newest {@code keep} checkpoints, deletes the rest, returns what is live. */
    public CompletableFuture<CheckpointRecorder.GcRoots> pruneCheckpoints(
            java.util.OptionalInt keep, boolean dryRun, dev.lfsfarm.coordinator.state.SpecBlobs blobs) {
        return call(() -> checkpoints().prune(keep, dryRun, blobs));
    }

    /** The artifact and manifest digests (sha256) of every package of every build this dispatcher knows. */
    public CompletableFuture<Set<String>> referencedDigests() {
        return call(() -> checkpoints().referencedDigests());
    }

    /**
     * Runs {@code work} on the dispatcher thread with the blobs the known builds use (artifacts,
     * manifests, sources): no build can take a blob from the cache between that check and the work.
     */
    public <T> CompletableFuture<T> withBlobsInUse(java.util.function.Function<Set<String>, T> work) {
        return call(() -> work.apply(checkpoints().blobsInUse()));
    }

    private CheckpointRecorder checkpoints() {
        return new CheckpointRecorder(store, builds, epoch);
    }

    @Override
    public void close() {
        loop.shutdown();
        try {
            if (!loop.awaitTermination(5, TimeUnit.SECONDS)) {
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            loop.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
