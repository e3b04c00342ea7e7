package dev.lfsfarm.worker.agent;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.lfsfarm.common.concurrent.DaemonThreadFactory;
import dev.lfsfarm.common.leader.CoordinatorLocator;
import dev.lfsfarm.common.leader.LeaderChannel;
import dev.lfsfarm.common.leader.NoLeaderException;
import dev.lfsfarm.common.metrics.Health;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.AttemptInfo;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.Capacity;
import dev.lfsfarm.proto.v1.CoordinatorMessage;
import dev.lfsfarm.proto.v1.Heartbeat;
import dev.lfsfarm.proto.v1.Hello;
import dev.lfsfarm.proto.v1.PlatformFacts;
import dev.lfsfarm.proto.v1.ResultAck;
import dev.lfsfarm.proto.v1.Welcome;
import dev.lfsfarm.proto.v1.WorkerMessage;
import dev.lfsfarm.proto.v1.WorkerServiceGrpc;
import dev.lfsfarm.worker.execute.ExecutionSettings;
import dev.lfsfarm.worker.execute.WorkspacePool;
import dev.lfsfarm.worker.metrics.WorkerMetrics;
import dev.lfsfarm.worker.source.SourceFetcher;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker agent: opens the Connect stream, says hello with its platform and capacity, sends
 * heartbeats, builds what it is assigned, and reconnects with exponential backoff when the
 * coordinator goes away. Attempts keep running while disconnected; on reconnect the agent reports
 * them, so the coordinator adopts them instead of starting them twice, and resends results that
 * were never acknowledged.
 *
 * <p>Before every (re)connect it asks its {@link LeaderChannel} where the leader is: a standby's
 * redirect is followed at once, an unreachable coordinator makes it try the next one, and a
 * deposed one (ABORTED, or a Welcome older than an epoch already seen) makes it look again.
 */
public final class WorkerAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkerAgent.class);
    private static final Duration LOG_PATIENCE = Duration.ofSeconds(30);
    /** Longest real wait between two looks at a pending reconnect (due time, leader announcements). */
    private static final long RECONNECT_STEP_MILLIS = 200;

    private final WorkerSettings settings;
    private final LeaderChannel coordinators;
    private final ExecutionSettings execution;
    private final PlatformFacts platform;
    private final ArtifactTransfers artifacts;
    private final SourceFetcher fetcher;
    private final WorkerMetrics metrics;
    /** The Connect stream's channel: the leader channel with the gRPC metrics interceptor. */
    private final Channel connectChannel;

    private final String instanceId = UUID.randomUUID().toString();
    private final ExecutorService builders;
    private final WorkspacePool workspaces;
    /**
     * Whether the coordinator of the last Welcome stores artifacts sent with results. Volatile:
     * set by the stream's callback, read by the build threads.
     */
    private volatile boolean inlineAccepted;

    private final ScheduledExecutorService timers =
            Executors.newSingleThreadScheduledExecutor(DaemonThreadFactory.named("worker-timer"));
    /**
     * Guards the moves of an attempt in and out of {@link #running} and {@link #unacknowledged},
     * its epoch, and {@link #link}: a Welcome that adopts an attempt and the attempt finishing must
     * not interleave, or a result could leave with the old epoch.
     */
    private final Object attempts = new Object();
    /**
     * Attempts building now. Concurrent, so heartbeats, health and cancels read it without a lock;
     * every put and remove happens under {@link #attempts}.
     */
    private final Map<String, AttemptRunner> running = new ConcurrentHashMap<>();
    /** Results sent and not acknowledged yet; concurrent like {@link #running}, changed under {@link #attempts}. */
    private final Map<String, AttemptResult> unacknowledged = new ConcurrentHashMap<>();

    /** Atomic: the stream callbacks of old and new coordinators both raise it. */
    private final AtomicLong newestEpoch = new AtomicLong();
    /** Atomic: the heartbeat's sequence number. */
    private final AtomicLong heartbeats = new AtomicLong();

    private final CountDownLatch stopped = new CountDownLatch(1);
    /** The welcomed stream; written under {@link #attempts}, volatile for the readers without it. */
    @GuardedBy("attempts")
    private volatile CoordinatorLink link;
    /** Volatile: set once by {@link #close()}, read by every loop. */
    private volatile boolean closing;
    /** Thread-safe: the stream callbacks and the timer thread share it. */
    private final ReconnectSchedule reconnects;
    /** Thread-safe: started by each Welcome, runs on {@link #timers}. */
    private final HeartbeatTimer heartbeat;

    @GuardedBy("this")
    private String welcomedBy;

    @GuardedBy("this")
    private long welcomedEpoch;

    /** An agent that always uses {@code channel} (a coordinator at one known address). */
    public WorkerAgent(
            WorkerSettings settings, ManagedChannel channel, ExecutionSettings execution, PlatformFacts platform) {
        this(settings, LeaderChannel.fixed(channel), execution, platform);
    }

    /**
     * An agent that follows the leader through {@code coordinators}. The caller closes the
     * channel after {@link #close()}.
     */
    public WorkerAgent(
            WorkerSettings settings, LeaderChannel coordinators, ExecutionSettings execution, PlatformFacts platform) {
        this(settings, coordinators, execution, platform, WorkerMetrics.none(settings.name()));
    }

    /** The same, recording the agent's meters in {@code metrics}. */
    public WorkerAgent(
            WorkerSettings settings,
            LeaderChannel coordinators,
            ExecutionSettings execution,
            PlatformFacts platform,
            WorkerMetrics metrics) {
        this.settings = settings;
        this.coordinators = coordinators;
        this.execution = execution;
        this.platform = platform;
        this.metrics = metrics;
        this.connectChannel = ClientInterceptors.intercept(coordinators, metrics.clientInterceptor());
        this.reconnects = new ReconnectSchedule(settings.maxBackoff(), settings.ticker());
        this.heartbeat = new HeartbeatTimer(timers, settings.ticker());
        this.artifacts = new ArtifactTransfers(coordinators, metrics, settings.ticker());
        this.fetcher = new SourceFetcher(
                settings.workDir().resolve("cache/sources"),
                SourceFetcher.DEFAULT_CONNECT_TIMEOUT,
                SourceFetcher.DEFAULT_IDLE_TIMEOUT,
                settings.ticker());
        fetcher.observe(metrics);
        metrics.bindSlots(running::size, settings.slots());
        this.builders = Executors.newFixedThreadPool(settings.slots(), DaemonThreadFactory.named("build"));
        this.workspaces = new WorkspacePool(
                settings.workDir().resolve("attempts"),
                settings.workDir().resolve("recycled"),
                settings.slots(),
                settings.keepFailedWorkspaces(),
                execution.cgroups().isPresent());
    }

    /** Connects (and keeps reconnecting) in the background. */
    public void start() {
        timers.execute(this::connect);
    }

    /** Blocks until {@link #close()}. */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** How many attempts run right now. */
    public int runningAttempts() {
        return running.size();
    }

    /** {@code /healthz}: healthy while a coordinator has welcomed this worker on an open stream. */
    public Health health() {
        CoordinatorLink current = link;
        if (closing) {
            return Health.unavailable("stopping");
        }
        return current != null && current.isOpen()
                ? Health.ok("connected to " + current.address() + " (epoch " + newestEpoch.get() + "), "
                        + running.size() + " of " + settings.slots() + " slots busy")
                : Health.unavailable("not connected to a coordinator");
    }

    private void connect() {
        if (closing) {
            return;
        }
        String address;
        try {
            address = coordinators.resolve();
        } catch (NoLeaderException e) {
            retryLater("no coordinator to connect to: " + e.getMessage());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            if (!closing) {
                retryLater("looking for the coordinator failed: " + e);
            }
            return;
        }
        CoordinatorLink[] opened = new CoordinatorLink[1];
        ClientResponseObserver<WorkerMessage, CoordinatorMessage> responses = new ClientResponseObserver<>() {
            private CoordinatorLink mine;

            @Override
            public void beforeStart(ClientCallStreamObserver<WorkerMessage> requests) {
                mine = new CoordinatorLink(requests, address, settings.ticker());
                opened[0] = mine;
                requests.setOnReadyHandler(mine::readyChanged);
            }

            @Override
            public void onNext(CoordinatorMessage message) {
                handle(mine, message);
            }

            @Override
            public void onError(Throwable t) {
                disconnected(mine, t);
            }

            @Override
            public void onCompleted() {
                disconnected(
                        mine,
                        Status.UNAVAILABLE
                                .withDescription("the coordinator closed the stream")
                                .asRuntimeException());
            }
        };
        log.debug("connecting to the coordinator at {} (from {})", address, coordinators.describe());
        WorkerServiceGrpc.newStub(connectChannel).connect(responses);
        sayHello(opened[0]);
    }

    private void handle(CoordinatorLink from, CoordinatorMessage message) {
        switch (message.getMessageCase()) {
            case WELCOME -> welcomed(from, message);
            case ASSIGN -> assigned(message.getAssign());
            case CANCEL -> {
                AttemptRunner runner = running.get(message.getCancel().getAttemptId());
                if (runner != null) {
                    log.info(
                            "cancelling attempt {}: {}",
                            runner.attemptId(),
                            message.getCancel().getMessage());
                    builders.execute(runner::cancel);
                }
            }
            case RESULT_ACK -> acknowledged(message.getResultAck());
            case DRAIN ->
                log.info(
                        message.getDrain().getUndrain()
                                ? "undrained: taking new work again"
                                : "draining: finishing running attempts, taking nothing new");
            default -> log.warn("ignored an empty message from the coordinator");
        }
    }

    /** Called when the transport opened: the first message must be Hello, with what still runs. */
    private void sayHello(CoordinatorLink to) {
        Hello.Builder hello = Hello.newBuilder()
                .setName(settings.name())
                .setInstanceId(instanceId)
                .setPlatform(platform)
                .setCapacity(Capacity.newBuilder()
                        .setSlots(settings.slots())
                        .setCores(settings.cores())
                        .setMemoryMb(settings.memoryMb())
                        .putAllLabels(settings.labels()))
                .setNewestEpochSeen(newestEpoch.get());
        synchronized (attempts) {
            running.values().forEach(r -> hello.addAttempts(info(r)));
            unacknowledged
                    .values()
                    .forEach(r -> hello.addAttempts(AttemptInfo.newBuilder()
                            .setAttemptId(r.getAttemptId())
                            .setEpoch(r.getEpoch())
                            .setFinished(true)));
        }
        to.send(WorkerMessage.newBuilder().setHello(hello).build());
    }

    private static AttemptInfo info(AttemptRunner runner) {
        Assign a = runner.assign();
        return AttemptInfo.newBuilder()
                .setAttemptId(a.getAttemptId())
                .setBuildId(a.getBuildId())
                .setPackageId(a.getPackageId())
                .setEpoch(runner.epoch())
                .setCores(a.getCores())
                .setMemoryMb(a.getMemoryMb())
                .setFinished(false)
                .build();
    }

    private void welcomed(CoordinatorLink from, CoordinatorMessage message) {
        Welcome welcome = message.getWelcome();
        long epoch = welcome.getLeaderEpoch();
        long newest = newestEpoch.get();
        if (epoch < newest) {
            // A leader that lost its term but has not noticed yet: nothing it says may be acted on.
            from.abandon(Status.ABORTED
                    .withDescription("the coordinator at " + from.address() + " has epoch " + epoch
                            + ", older than epoch " + newest + " seen before: it was deposed")
                    .asRuntimeException());
            return;
        }
        newestEpoch.accumulateAndGet(epoch, Math::max);
        inlineAccepted = welcome.getAcceptsInlineArtifacts();
        synchronized (attempts) {
            link = from;
            for (String id : welcome.getAdoptedAttemptIdsList()) {
                AttemptRunner runner = running.get(id);
                if (runner != null) {
                    runner.adoptedUnder(epoch);
                }
                AttemptResult pending = unacknowledged.get(id);
                if (pending != null) {
                    AttemptResult restamped =
                            pending.toBuilder().setEpoch(epoch).build();
                    unacknowledged.put(id, restamped);
                    from.send(WorkerMessage.newBuilder().setResult(restamped).build());
                }
            }
            unacknowledged.keySet().retainAll(welcome.getAdoptedAttemptIdsList());
        }
        String before;
        long beforeEpoch;
        reconnects.connected();
        synchronized (this) {
            before = welcomedBy;
            beforeEpoch = welcomedEpoch;
            welcomedBy = from.address();
            welcomedEpoch = epoch;
            long interval = Math.max(
                    100,
                    welcome.getHeartbeatInterval().getSeconds() * 1000
                            + welcome.getHeartbeatInterval().getNanos() / 1_000_000);
            heartbeat.start(Duration.ofMillis(interval), () -> sendHeartbeat(from));
        }
        if (before != null && (!before.equals(from.address()) || beforeEpoch != epoch)) {
            log.info("coordinator changed: now {} (epoch {})", from.address(), epoch);
        }
        log.info(
                "connected to the coordinator at {} (epoch {}), {} attempts running, {} adopted",
                from.address(),
                epoch,
                running.size(),
                welcome.getAdoptedAttemptIdsCount());
    }

    private void sendHeartbeat(CoordinatorLink to) {
        var moved = coordinators.leaderMovedFrom(to.address());
        if (moved.isPresent()) {
            // The old leader may be frozen with its TCP connection still up: leave it, find the new one.
            log.warn("the leader moved to {}; leaving {}", moved.get(), to.address());
            to.abandon(Status.UNAVAILABLE
                    .withDescription("the leader moved to " + moved.get())
                    .asRuntimeException());
            return;
        }
        to.send(WorkerMessage.newBuilder()
                .setHeartbeat(Heartbeat.newBuilder()
                        .setSequence(heartbeats.incrementAndGet())
                        .addAllRunningAttemptIds(running.keySet()))
                .build());
    }

    private void assigned(Assign assign) {
        if (assign.getLeaderEpoch() < newestEpoch.get()) {
            log.warn(
                    "ignored attempt {} from a deposed coordinator (epoch {} < {})",
                    assign.getAttemptId(),
                    assign.getLeaderEpoch(),
                    newestEpoch.get());
            return;
        }
        newestEpoch.accumulateAndGet(assign.getLeaderEpoch(), Math::max);
        AttemptRunner runner = new AttemptRunner(
                assign, settings, execution, artifacts, fetcher, reporter(), workspaces, () -> inlineAccepted);
        synchronized (attempts) {
            // One check and put: the same Assign from an old and a new stream must not start it twice.
            if (running.putIfAbsent(assign.getAttemptId(), runner) != null) {
                return;
            }
        }
        log.info(
                "building {} for build {} (attempt {}, {} cores)",
                assign.getPackageId(),
                assign.getBuildId(),
                assign.getAttemptId(),
                assign.getCores());
        builders.execute(() -> {
            try {
                finish(runner, runner.run());
            } finally {
                runner.removeWorkspace();
            }
        });
    }

    private AttemptRunner.Reporter reporter() {
        return chunk -> {
            CoordinatorLink current = link;
            if (current != null
                    && current.isOpen()
                    && current.sendWhenReady(AttemptRunner.message(chunk), LOG_PATIENCE)) {
                metrics.logSent(chunk.getData().size());
            }
        };
    }

    private void finish(AttemptRunner runner, AttemptResult result) {
        synchronized (attempts) {
            // Stamped here, not when the run started: a new leader may have adopted it meanwhile.
            AttemptResult stamped = result.toBuilder().setEpoch(runner.epoch()).build();
            unacknowledged.put(stamped.getAttemptId(), stamped);
            metrics.attemptFinished(stamped); // before the slot frees: a free slot means the attempt is counted
            running.remove(runner.attemptId());
            CoordinatorLink current = link;
            if (current != null) {
                current.send(WorkerMessage.newBuilder().setResult(stamped).build());
            }
        }
        log.info(
                "attempt {} ({}) {}",
                result.getAttemptId(),
                runner.assign().getPackageId(),
                result.getOutcome().name().replace("ATTEMPT_OUTCOME_", "").toLowerCase(java.util.Locale.ROOT)
                        + (result.getFailureReason().isEmpty() ? "" : ": " + result.getFailureReason()));
    }

    private void acknowledged(ResultAck ack) {
        synchronized (attempts) {
            unacknowledged.remove(ack.getAttemptId());
        }
        if (!ack.getAccepted()) {
            log.warn(
                    "the coordinator rejected the result of attempt {}: {} {}",
                    ack.getAttemptId(),
                    ack.getRejectReason(),
                    ack.getMessage());
        }
    }

    private void disconnected(CoordinatorLink which, Throwable error) {
        which.closed();
        synchronized (attempts) {
            // Under the lock: a Welcome on the next stream may set the link between a check and a clear.
            if (link == which) {
                link = null;
            }
        }
        if (closing) {
            return;
        }
        Throwable cause = which.abandonedBecause() != null ? which.abandonedBecause() : error;
        Status status = Status.fromThrowable(cause);
        String at = which.address();
        switch (coordinators.failed(at, cause)) {
            case REDIRECTED -> {
                String leader = CoordinatorLocator.leaderFrom(cause).orElse("?");
                int inRow = reconnects.redirected();
                if (inRow <= ReconnectSchedule.PROMPT_REDIRECTS) {
                    log.info("the coordinator at {} is a standby; the leader is {}: connecting there", at, leader);
                    reconnectIn(Duration.ZERO);
                } else {
                    retryLater("the coordinator at " + at + " is a standby naming " + leader + " (" + inRow
                            + " redirects in a row)");
                }
            }
            case DEPOSED ->
                retryLater("the coordinator at " + at + " was deposed (" + status.getDescription()
                        + "); looking for the leader");
            case UNREACHABLE ->
                retryLater("coordinator " + at + " unavailable (" + status.getCode() + ": " + status.getDescription()
                        + ")");
            default -> {
                if (status.getCode() == Status.Code.INVALID_ARGUMENT
                        || status.getCode() == Status.Code.ALREADY_EXISTS) {
                    log.error("the coordinator at {} refused this worker: {}", at, status.getDescription());
                    retryLater(null);
                } else {
                    retryLater("coordinator " + at + " ended the stream (" + status.getCode() + ": "
                            + status.getDescription() + ")");
                }
            }
        }
    }

    /** Connects again after the current backoff (with jitter), which then doubles up to the cap. */
    private void retryLater(String why) {
        Duration delay = reconnects.afterFailure();
        if (why != null) {
            log.warn("{}; reconnecting in {} ms", why, delay.toMillis());
        }
        reconnectIn(delay);
    }

    private void reconnectIn(Duration delay) {
        awaitReconnect(reconnects.dueAfter(delay));
    }

    /**
     * Waits out the backoff in short steps and cuts it short when ZooKeeper announces a new leader:
     * during a failover the old leader's record outlives it by the session timeout, and a worker
     * deep in its backoff by then would keep the new leader waiting.
     */
    private void awaitReconnect(long dueNanos) {
        if (closing) {
            return;
        }
        long left = reconnects.millisUntil(dueNanos);
        if (left <= 0 || coordinators.leaderMoved().isPresent()) {
            connect();
            return;
        }
        try {
            timers.schedule(
                    () -> awaitReconnect(dueNanos), Math.min(left, RECONNECT_STEP_MILLIS), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing: no more reconnects
        }
    }

    @Override
    public void close() {
        closing = true;
        running.values().forEach(AttemptRunner::cancel);
        CoordinatorLink current = link;
        if (current != null) {
            current.complete();
        }
        builders.shutdown();
        timers.shutdown();
        try {
            if (!builders.awaitTermination(10, TimeUnit.SECONDS)) {
                builders.shutdownNow();
            }
            timers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            builders.shutdownNow();
            Thread.currentThread().interrupt();
        }
        stopped.countDown();
    }
}
