package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.error.FarmException;
import dev.lfsfarm.common.history.LearnedDurations;
import dev.lfsfarm.common.lifecycle.Attempt;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.lifecycle.Effect;
import dev.lfsfarm.common.lifecycle.LifecycleContext;
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
import dev.lfsfarm.coordinator.state.SpecBlobs;
import dev.lfsfarm.coordinator.workers.WorkerRegistry;
import dev.lfsfarm.coordinator.workers.WorkerSession;
import dev.lfsfarm.coordinator.workers.WorkerView;
import dev.lfsfarm.proto.v1.AttemptProgress;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.BookEstimate;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildEvent;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.Checkpoint;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
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
 * <p>Threads: every field and part (builds, attempts, workers, events, the pool, the history, the
 * paused flag) is confined to the dispatch thread, except the loop's halted flag and the observer
 * (volatile, read from any thread) and {@link RunningAttempts#isCurrent} (log chunks, any thread).
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
    private final EffectRunner effects;
    private final AttemptEvents attemptEvents;
    private final Placement placement;
    private final BuildQueries queries;
    private final RegistryRestore restore;

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
        this.events = new EventHub(epoch, clock, ticker, loop::schedule);
        this.intake = new ResultIntake(cache, epoch);
        this.resultHistory = new ResultHistory(history, pool, settings.sbuSeconds(), clock, () -> observer);
        // Cancels go out through the registry's sessions, which the registry (made below) holds.
        this.effects = new EffectRunner(store, cache, logs, attempts, events, this::session, () -> observer);
        // Two leases: a worker first has to notice the old leader is gone and back off before it reconnects here.
        this.attemptEvents = new AttemptEvents(
                attempts, builds, effects, clock, settings.leaseTimeout().multipliedBy(2));
        this.workers = new WorkerRegistry(epoch, settings, pool, history, clock, attemptEvents, () -> observer);
        this.placement = new Placement(
                epoch, builds, attempts, pool, workers, new AssignmentFactory(epoch, settings.logCapBytes()), effects);
        this.queries = new BuildQueries(builds, store, epoch);
        this.restore = new RegistryRestore(builds, resolver, attemptEvents, effects);
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

    private WorkerSession session(String worker) {
        return workers.session(worker);
    }

    private void disconnectAll() {
        FarmException deposed = loop.deposed();
        workers.disconnectAll(deposed);
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

    /** Accepts a build: resolves it, records it, starts dispatching. A retried request returns the same build. */
    public CompletableFuture<SubmitBuildResponse> submit(SubmitBuildRequest request) {
        return call(() -> {
            BuildLifecycle existing = builds.byRequestId(request.getRequestId());
            if (existing != null) {
                return BuildQueries.response(existing, false);
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
            effects.run(build, build.start());
            dispatch();
            return BuildQueries.response(build, true);
        });
    }

    /**
     * Loads the registry when this coordinator starts leading: every build becomes known again;
     * those that were queued or running continue (finished packages stay done, packages that were
     * running are held for their workers to report them); cancelling ones end as cancelled.
     * Returns how many builds continue.
     */
    public CompletableFuture<Integer> restore(List<BuildStateStore.StoredBuild> stored) {
        return call(() -> {
            int resumed = restore.restore(stored);
            dispatch();
            return resumed;
        });
    }

    /** Continues an INTERRUPTED build (the farm was stopped while it ran). */
    public CompletableFuture<ResumeResult> resume(String buildId) {
        return call(() -> {
            BuildLifecycle build = builds.find(buildId);
            boolean resumed = build.state() == BuildState.BUILD_STATE_INTERRUPTED;
            effects.run(build, build.resume());
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
                    effects.run(build, list);
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
            effects.run(build, build.cancel(reason));
            return build.state();
        });
    }

    /** Reruns the failed, skipped and cancelled packages of a finished build. */
    public CompletableFuture<Integer> retry(String buildId) {
        return call(() -> {
            BuildLifecycle build = builds.find(buildId);
            int rerun = build.isFinished() ? build.unfinishedPackages() : 0;
            effects.run(build, build.retry());
            dispatch();
            return rerun;
        });
    }

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
        if (attemptEvents.releaseExpiredOrphans()) {
            dispatch();
        }
        if (workers.checkLeases()) {
            dispatch();
        }
    }

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
            effects.run(build, build.result(a.id(), result, logSize, resultHistory.record(build, a, result)));
            dispatch();
            return ResultAck.newBuilder()
                    .setAttemptId(result.getAttemptId())
                    .setAccepted(true)
                    .build();
        });
    }

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

    /** Settles cached packages, then places ready ones on workers, for every running build in submit order. */
    private void dispatch() {
        if (!paused && !loop.isHalted()) {
            placement.dispatch();
        }
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
        return call(workers::views);
    }

    /** Records checkpoint {@code name}: build {@code buildId}'s packages up to {@code upto} (empty: all). */
    public CompletableFuture<CheckpointRecorder.Created> createCheckpoint(
            String name, String buildId, String upto, SpecBlobs blobs) {
        return call(() -> queries.checkpoints().create(name, buildId, upto, clock.instant(), blobs));
    }

    /** Every checkpoint, newest first, without entries. */
    public CompletableFuture<List<Checkpoint>> listCheckpoints() {
        return call(() -> queries.checkpoints().list());
    }

    /** One checkpoint with its entries; NOT_FOUND when there is none by that name. */
    public CompletableFuture<Checkpoint> getCheckpoint(String name, SpecBlobs blobs) {
        return call(() -> queries.checkpoints().get(name, blobs));
    }

    /** Removes a checkpoint from the registry; returns its summary. */
    public CompletableFuture<Checkpoint> deleteCheckpoint(String name) {
        return call(() -> queries.checkpoints().delete(name));
    }

    /** Garbage collection, step 1: keeps the newest {@code keep} checkpoints, deletes the rest, returns what is live. */
    public CompletableFuture<CheckpointRecorder.GcRoots> pruneCheckpoints(
            OptionalInt keep, boolean dryRun, SpecBlobs blobs) {
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
    public <T> CompletableFuture<T> withBlobsInUse(Function<Set<String>, T> work) {
        return call(() -> work.apply(queries.checkpoints().blobsInUse()));
    }

    @Override
    public void close() {
        loop.close();
    }
}
