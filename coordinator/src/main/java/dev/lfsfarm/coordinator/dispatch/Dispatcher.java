package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.error.FarmException;
import dev.lfsfarm.common.history.LearnedDurations;
import dev.lfsfarm.common.lifecycle.Attempt;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.lifecycle.Effect;
import dev.lfsfarm.common.lifecycle.LifecycleContext;
import dev.lfsfarm.common.schedule.Assignment;
import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.WorkerPool;
import dev.lfsfarm.common.time.Ticker;
import dev.lfsfarm.coordinator.events.EventHub;
import dev.lfsfarm.coordinator.history.AttemptHistory;
import dev.lfsfarm.coordinator.log.LogStore;
import dev.lfsfarm.coordinator.results.ResultHistory;
import dev.lfsfarm.coordinator.results.ResultIntake;
import dev.lfsfarm.coordinator.service.StatusMapping;
import dev.lfsfarm.coordinator.state.BuildStateStore;
import dev.lfsfarm.coordinator.workers.AttemptControl;
import dev.lfsfarm.coordinator.workers.WorkerRegistry;
import dev.lfsfarm.coordinator.workers.WorkerSession;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptProgress;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.BookEstimate;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildEvent;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.CoordinatorMessage;
import dev.lfsfarm.proto.v1.Hello;
import dev.lfsfarm.proto.v1.PackageEstimate;
import dev.lfsfarm.proto.v1.PackageHistory;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.ResultAck;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's dispatcher, as the services call it: every event — a submitted build, a
 * worker's hello, heartbeat silence, a result, a cancel — runs in order on the {@link DispatchLoop}
 * thread, goes to the build's {@link BuildLifecycle}, and the effects it returns are carried out by
 * the {@link EffectRunner}. After each event ready packages are settled through the cache and the
 * rest handed to workers, critical path first. Workers are the {@link WorkerRegistry}'s, results
 * the {@link ResultIntake}'s, watchers the {@link EventHub}'s; queries and checkpoints are in
 * {@link BuildQueries}.
 *
 * <p>Every field below the loop is confined to the dispatch thread; the loop's halted flag and the
 * observer are volatile; {@link RunningAttempts} is read by log chunks on other threads.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final DispatchSettings settings;
    private final BuildStateStore store;
    private final LogStore logs;
    private final long epoch;
    private final Clock clock;
    private final Ticker ticker;
    private final DispatchLoop loop;
    private final WorkerPool pool = new WorkerPool();
    /** The benchmark manager: per-package attempt figures, worker speeds, regressions. */
    private final AttemptHistory history;

    private final BuildTable builds = new BuildTable();
    private final RunningAttempts attempts;
    private final BuildResolver resolver;
    private final WorkerRegistry workers;
    private final EventHub events;
    private final ResultIntake intake;
    private final ResultHistory resultHistory;
    private final AssignmentFactory assignments;
    private final EffectRunner effects;
    private final BuildQueries queries;

    private Instant orphanDeadline = Instant.MAX;
    private long attemptCounter;
    /** Set while the ZooKeeper connection is SUSPENDED: nothing new is dispatched until it is back. */
    private boolean paused;

    private volatile DispatchObserver observer = DispatchObserver.NONE;

    public Dispatcher(DispatchSettings settings, BuildStateStore store, ResultCache cache, LogStore logs) {
        this(settings, store, cache, logs, Clock.systemUTC(), Ticker.SYSTEM);
    }

    /** A dispatcher on the given clocks: leases, takeover grace and PROGRESS coalescing are measured on them. */
    public Dispatcher(
            DispatchSettings settings,
            BuildStateStore store,
            ResultCache cache,
            LogStore logs,
            Clock clock,
            Ticker ticker) {
        this.settings = settings;
        this.store = store;
        this.logs = logs;
        this.clock = clock;
        this.ticker = ticker;
        this.epoch = store.nextEpoch();
        this.loop = new DispatchLoop(epoch);
        DurationModel model = DurationModel.ofSbuSeconds(settings.sbuSeconds());
        this.history = new AttemptHistory(store, LearnedDurations.defaults(model, settings.regressionFactor()));
        history.load();
        LifecycleContext context =
                new LifecycleContext(pool, model, history::estimate, settings.maxRequeues(), clock, ticker);
        this.attempts = new RunningAttempts(cache);
        this.resolver = new BuildResolver(settings.arch(), context, clock);
        this.workers = new WorkerRegistry(epoch, settings, pool, history, clock, new Control(), () -> observer);
        this.events = new EventHub(epoch, clock, ticker, loop::schedule);
        this.intake = new ResultIntake(cache, epoch);
        this.resultHistory = new ResultHistory(history, pool, settings.sbuSeconds(), clock);
        this.assignments = new AssignmentFactory(epoch, settings.logCapBytes());
        this.effects = new EffectRunner(store, cache, logs, attempts, events, workers, () -> observer);
        this.queries = new BuildQueries(builds, store, epoch);
        loop.onHalt(this::disconnectAll);
        long period = Math.max(100, settings.leaseTimeout().toMillis() / 10);
        loop.every(period, this::checkLeases);
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

    /** The ticker worker sessions measure silence on. */
    public Ticker ticker() {
        return ticker;
    }

    /** Who hears of dispatches, lost workers and regressions (metrics); set before {@link #restore}. */
    public void observe(DispatchObserver observer) {
        this.observer = observer;
    }

    /** Builds, packages and workers counted on the dispatcher thread, for gauges. */
    public CompletableFuture<DispatchSnapshot> snapshot() {
        return call(() -> DispatchSnapshot.of(builds.all(), workers.sessions()));
    }

    /** Runs {@code work} on the dispatcher thread. */
    public <T> CompletableFuture<T> call(Callable<T> work) {
        return loop.call(work);
    }

    /**
     * Deposed (a fenced write failed, or the election says so): from now on nothing is dispatched,
     * written or acknowledged. Workers and watchers are disconnected so they find the new leader.
     * Safe to call from any thread, more than once.
     */
    public void halt(String why) {
        loop.halt(why);
    }

    public boolean isHalted() {
        return loop.isHalted();
    }

    private void disconnectAll() {
        FarmException deposed = loop.deposed();
        workers.disconnectAll(StatusMapping.status(deposed));
        events.disconnectAll(StatusMapping.exception(deposed));
    }

    /** SUSPENDED: stop handing out work until {@link #unpause()}; events are still taken. */
    public void pause() {
        loop.run(() -> {
            paused = true;
            log.warn("ZooKeeper connection suspended: dispatching paused");
        });
    }

    /** RECONNECTED with leadership intact: dispatch again. */
    public void unpause() {
        loop.run(() -> {
            if (paused) {
                paused = false;
                log.info("ZooKeeper connection back: dispatching again");
                dispatch();
            }
        });
    }

    private void apply(BuildLifecycle build, List<Effect> list) {
        effects.run(build, list);
    }

    // ---- builds ----

    /** Accepts a build: resolves it, records it, starts dispatching. A retried request returns the same build. */
    public CompletableFuture<SubmitBuildResponse> submit(SubmitBuildRequest request) {
        return call(() -> {
            BuildLifecycle existing = builds.byRequestId(request.getRequestId());
            if (existing != null) {
                return response(existing, false);
            }
            SubmitBuildRequest accepted = resolver.checkCalibration(request, workers);
            BuildLifecycle build = resolver.create(accepted, resolver.newBuildId());
            builds.add(build);
            store.created(accepted, build.toProto(true));
            log.info(
                    "build {} submitted: {} packages of {}",
                    build.id(),
                    build.graph().size(),
                    request.getBook().getName());
            apply(build, build.start());
            dispatch();
            return response(build, true);
        });
    }

    private static SubmitBuildResponse response(BuildLifecycle build, boolean created) {
        return SubmitBuildResponse.newBuilder()
                .setBuildId(build.id())
                .setState(build.state())
                .setCreated(created)
                .setTotalPackages(build.graph().size())
                .addAllDroppedEdges(build.toProto(false).getDroppedEdgesList())
                .build();
    }

    /**
     * Loads the registry when this coordinator starts leading: every build becomes known again;
     * those that were queued or running continue (finished packages stay done, packages that were
     * running are held for their workers to report them); cancelling ones end as cancelled.
     * Returns how many builds continue.
     */
    public CompletableFuture<Integer> restore(List<BuildStateStore.StoredBuild> stored) {
        return call(() -> {
            int resumed = 0;
            int held = 0;
            orphanDeadline = clock.instant().plus(takeoverGrace());
            for (BuildStateStore.StoredBuild s : stored) {
                String id = s.build().getBuildId();
                BuildLifecycle build;
                try {
                    build = resolver.create(s.spec(), id);
                } catch (FarmException e) {
                    log.error("build {} cannot be restored: {}", id, e.getMessage());
                    continue;
                }
                builds.add(build);
                apply(build, build.restore(s.build()));
                held += build.orphans().size();
                if (build.state() != BuildState.BUILD_STATE_INTERRUPTED && !build.isFinished()) {
                    resumed++;
                }
            }
            log.info(
                    "restored {} builds from the registry; {} continue, {} attempts await their workers for {} s",
                    builds.all().size(),
                    resumed,
                    held,
                    takeoverGrace().toSeconds());
            dispatch();
            return resumed;
        });
    }

    /**
     * How long attempts from before a takeover wait for their workers: two leases, because a worker
     * first has to notice the old leader is gone and back off before it reconnects here.
     */
    private Duration takeoverGrace() {
        return settings.leaseTimeout().multipliedBy(2);
    }

    /** Continues an INTERRUPTED build (the farm was stopped while it ran). */
    public CompletableFuture<ResumeResult> resume(String buildId) {
        return call(() -> {
            BuildLifecycle build = builds.find(buildId);
            boolean resumed = build.state() == BuildState.BUILD_STATE_INTERRUPTED;
            apply(build, build.resume());
            if (resumed) {
                log.info("build {} resumed", build.id());
                dispatch();
            }
            return new ResumeResult(build.state(), resumed, build.unfinishedPackages());
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
            for (BuildLifecycle build : builds.all()) {
                List<Effect> list = build.interrupt(why);
                if (!list.isEmpty()) {
                    apply(build, list);
                    interrupted++;
                }
            }
            return interrupted;
        });
    }

    public CompletableFuture<Build> get(String buildId, boolean withPackages) {
        return call(() -> builds.find(buildId).toProto(withPackages));
    }

    public CompletableFuture<List<Build>> list() {
        return call(() -> builds.all().stream().map(b -> b.toProto(false)).toList());
    }

    /** Cancels a build: nothing new starts, running attempts are told to stop. */
    public CompletableFuture<BuildState> cancel(String buildId, String reason) {
        return call(() -> {
            BuildLifecycle build = builds.find(buildId);
            apply(build, build.cancel(reason));
            return build.state();
        });
    }

    /** Reruns the failed, skipped and cancelled packages of a finished build. */
    public CompletableFuture<Integer> retry(String buildId) {
        return call(() -> {
            BuildLifecycle build = builds.find(buildId);
            int rerun = build.isFinished() ? build.unfinishedPackages() : 0;
            apply(build, build.retry());
            dispatch();
            return rerun;
        });
    }

    // ---- workers ----

    /** A worker said hello on a new stream. */
    public void hello(WorkerSession session, Hello hello) {
        loop.run(() -> {
            if (workers.hello(session, hello)) {
                dispatch();
            }
        });
    }

    /** The worker's stream ended: it gets nothing new until it reconnects or its lease runs out. */
    public void streamClosed(WorkerSession session) {
        session.markClosed();
        loop.run(() -> workers.streamClosed(session));
    }

    /** The operator drains (or undrains) a worker. */
    public CompletableFuture<WorkerSession> drain(String name, boolean undrain) {
        return call(() -> {
            WorkerSession session = workers.drain(name, undrain);
            if (undrain) {
                dispatch();
            }
            return session;
        });
    }

    /** Releases held attempts past the takeover grace and declares silent workers lost, on the injected clocks. */
    void checkLeases() {
        Set<String> orphans = builds.orphans();
        if (!orphans.isEmpty() && clock.instant().isAfter(orphanDeadline)) {
            for (String id : orphans) {
                attempts.attempt(id)
                        .ifPresent(a -> releaseOrphan(
                                a,
                                "no worker reported attempt " + id + " within "
                                        + takeoverGrace().toSeconds() + " s of the takeover"));
            }
            dispatch();
        }
        if (workers.checkLeases()) {
            dispatch();
        }
    }

    private void releaseOrphan(Attempt a, String reason) {
        BuildLifecycle build = attempts.buildOf(a.id());
        log.warn("build {} package {} attempt {}: {}", build.id(), a.packageId(), a.id(), reason);
        apply(build, build.releaseOrphan(a.id(), reason));
    }

    /** An attempt's worker is gone: start the package again elsewhere, or fail it after too many losses. */
    private void lose(Attempt a, String reason) {
        BuildLifecycle build = attempts.buildOf(a.id());
        List<Effect> list = build.lost(a.id(), reason);
        log.warn("build {} package {} attempt {}: {}", build.id(), a.packageId(), a.id(), reason);
        apply(build, list);
    }

    /** The registry's view of the attempts: the lifecycles, on the dispatch thread. */
    private final class Control implements AttemptControl {
        @Override
        public Optional<Attempt> attempt(String attemptId) {
            return attempts.attempt(attemptId);
        }

        @Override
        public List<Attempt> attemptsOn(String worker) {
            return attempts.on(worker);
        }

        @Override
        public boolean isOrphan(String attemptId) {
            BuildLifecycle build = attempts.buildOf(attemptId);
            return build != null && build.isOrphan(attemptId);
        }

        @Override
        public boolean readopt(Attempt a, int cores, boolean finished) {
            BuildLifecycle build = attempts.buildOf(a.id());
            apply(build, build.readopt(a.id(), cores));
            boolean adopted = build.attempt(a.id()).isPresent();
            if (adopted) {
                log.info(
                        "build {} package {}: re-adopted attempt {} still {} on {}",
                        build.id(),
                        a.packageId(),
                        a.id(),
                        finished ? "reporting its result" : "running",
                        a.worker());
            }
            return adopted;
        }

        @Override
        public void releaseOrphan(Attempt a, String reason) {
            Dispatcher.this.releaseOrphan(a, reason);
        }

        @Override
        public void lose(Attempt a, String reason) {
            Dispatcher.this.lose(a, reason);
        }
    }

    // ---- results ----

    /** A worker reports how an attempt ended; the answer tells it whether the result was applied. */
    public CompletableFuture<ResultAck> result(WorkerSession session, AttemptResult sent) {
        AttemptResult result;
        try {
            result = intake.storeInline(sent); // on the caller's thread, not the dispatcher's
        } catch (FarmException e) {
            return CompletableFuture.failedFuture(e);
        }
        return call(() -> {
            Optional<Attempt> current = attempts.attempt(result.getAttemptId());
            Optional<ResultAck> rejected = intake.rejection(session.name(), result, current);
            if (rejected.isPresent()) {
                return rejected.get();
            }
            Attempt a = current.get();
            BuildLifecycle build = attempts.buildOf(a.id());
            long logSize = logs.size(a.id());
            var regression = resultHistory.record(build, a, result);
            if (regression.isPresent()) {
                observer.regressed(build.id(), a.packageId());
            }
            if (result.getOutcome() != AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED
                    && result.getOutcome() != AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED) {
                log.info("build {} package {} failed: {}", build.id(), a.packageId(), result.getFailureReason());
            }
            apply(build, build.result(a.id(), result, logSize, regression));
            dispatch();
            return ResultAck.newBuilder()
                    .setAttemptId(result.getAttemptId())
                    .setAccepted(true)
                    .build();
        });
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
        return call(workers::speeds);
    }

    /** The learned-duration model (for a package's learned estimate in GetHistory). */
    public LearnedDurations learnedDurations() {
        return history.model();
    }

    /** Phase changes of a running attempt, for status and watchers. */
    public void progress(AttemptProgress progress) {
        loop.run(() -> {
            BuildLifecycle build = attempts.buildOf(progress.getAttemptId());
            if (build != null && !progress.getFinished()) {
                build.phase(progress.getAttemptId(), progress.getPhase());
            }
        });
    }

    /** Log bytes of an attempt; written straight to disk on the caller's thread. */
    public void logChunk(String attemptId, byte[] data) {
        if (attempts.isCurrent(attemptId)) {
            logs.append(attemptId, data);
        }
    }

    // ---- dispatching ----

    /** Settles cached packages, then places ready ones on workers, for every running build in submit order. */
    private void dispatch() {
        if (paused || loop.isHalted()) {
            return;
        }
        for (BuildLifecycle build : builds.all()) {
            if (build.state() != BuildState.BUILD_STATE_RUNNING) {
                continue;
            }
            apply(build, build.settleCached(attempts));
            for (Assignment assignment : build.assignments(attempts)) {
                send(build, assignment);
            }
            apply(build, build.finishIfDone());
        }
    }

    private void send(BuildLifecycle build, Assignment assignment) {
        String id = epoch + "-" + (++attemptCounter);
        apply(build, build.assigned(assignment, id));
        Attempt attempt = build.attempt(id).orElseThrow();
        double secondsPerSbu = pool.get(assignment.worker()).secondsPerSbu(); // kept equal to history.speed()
        log.debug(
                "build {} package {} -> {} ({} cores), attempt {}",
                build.id(),
                assignment.id(),
                assignment.worker(),
                assignment.cores(),
                id);
        workers.session(assignment.worker())
                .send(CoordinatorMessage.newBuilder()
                        .setAssign(assignments.assign(build, assignment, attempt, secondsPerSbu))
                        .build());
    }

    /** Starts a watcher with a snapshot; it gets every later event until the build ends. */
    public void watch(String buildId, ServerCallStreamObserver<BuildEvent> watcher) {
        loop.run(() -> {
            BuildLifecycle build;
            try {
                build = builds.find(buildId);
            } catch (FarmException e) {
                watcher.onError(StatusMapping.exception(e));
                return;
            }
            events.watch(build, watcher);
        });
    }

    // ---- queries ----

    /** Why packages are not running: the scheduler core's answer, per package. */
    public CompletableFuture<Map<String, String>> explain(String buildId, List<String> packageIds) {
        return call(() -> queries.explain(buildId, packageIds));
    }

    /** Index of a package in a build, and its state, for the services. */
    public CompletableFuture<PackageStatus> packageStatus(String buildId, String packageId) {
        return call(() -> queries.packageStatus(buildId, packageId));
    }

    /** Connected and recently lost workers, with their free capacity and running attempts. */
    public CompletableFuture<List<WorkerView>> workers() {
        return call(() -> {
            List<WorkerView> views = new ArrayList<>();
            for (WorkerSession s : workers.sessions()) {
                WorkerPool.Slot slot = pool.get(s.name());
                List<RunningAttempt> running = attempts.on(s.name()).stream()
                        .map(a -> new RunningAttempt(a.id(), a.buildId(), a.packageId()))
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
        return call(() -> queries.checkpoints().create(name, buildId, upto, clock.instant(), blobs));
    }

    /** Every checkpoint, newest first, without entries. */
    public CompletableFuture<List<dev.lfsfarm.proto.v1.Checkpoint>> listCheckpoints() {
        return call(() -> queries.checkpoints().list());
    }

    /** One checkpoint with its entries; NOT_FOUND when there is none by that name. */
    public CompletableFuture<dev.lfsfarm.proto.v1.Checkpoint> getCheckpoint(
            String name, dev.lfsfarm.coordinator.state.SpecBlobs blobs) {
        return call(() -> queries.checkpoints().get(name, blobs));
    }

    /** Removes a checkpoint from the registry; returns its summary. */
    public CompletableFuture<dev.lfsfarm.proto.v1.Checkpoint> deleteCheckpoint(String name) {
        return call(() -> queries.checkpoints().delete(name));
    }

    /** Garbage collection, step 1: keeps the newest {@code keep} checkpoints, deletes the rest, returns what is live. */
    public CompletableFuture<CheckpointRecorder.GcRoots> pruneCheckpoints(
            java.util.OptionalInt keep, boolean dryRun, dev.lfsfarm.coordinator.state.SpecBlobs blobs) {
        return call(() -> queries.checkpoints().prune(keep, dryRun, blobs));
    }

    /** The artifact and manifest digests (sha256) of every package of every build this dispatcher knows. */
    public CompletableFuture<Set<String>> referencedDigests() {
        return call(() -> queries.checkpoints().referencedDigests());
    }

    /**
     * Runs {@code work} on the dispatcher thread with the blobs the known builds use (artifacts,
     * manifests, sources): no build can take a blob from the cache between that check and the work.
     */
    public <T> CompletableFuture<T> withBlobsInUse(java.util.function.Function<Set<String>, T> work) {
        return call(() -> work.apply(queries.checkpoints().blobsInUse()));
    }

    @Override
    public void close() {
        loop.close();
    }
}
