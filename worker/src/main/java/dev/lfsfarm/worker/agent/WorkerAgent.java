package dev.lfsfarm.worker.agent;

import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.AttemptInfo;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.Capacity;
import dev.lfsfarm.proto.v1.CoordinatorMessage;
import dev.lfsfarm.proto.v1.Heartbeat;
import dev.lfsfarm.proto.v1.Hello;
import dev.lfsfarm.proto.v1.LogChunk;
import dev.lfsfarm.proto.v1.PlatformFacts;
import dev.lfsfarm.proto.v1.ResultAck;
import dev.lfsfarm.proto.v1.WorkerMessage;
import dev.lfsfarm.proto.v1.WorkerServiceGrpc;
import dev.lfsfarm.worker.execute.ExecutionSettings;
import dev.lfsfarm.worker.source.SourceFetcher;
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
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
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
 */
public final class WorkerAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WorkerAgent.class);
    private static final Duration LOG_PATIENCE = Duration.ofSeconds(30);

    private final WorkerSettings settings;
    private final ManagedChannel channel;
    private final ExecutionSettings execution;
    private final PlatformFacts platform;
    private final ArtifactClient artifacts;
    private final SourceFetcher fetcher;
    private final String instanceId = UUID.randomUUID().toString();
    private final ExecutorService builders;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "worker-timer"));
    private final Map<String, AttemptRunner> running = new ConcurrentHashMap<>();
    private final Map<String, AttemptResult> unacknowledged = new ConcurrentHashMap<>();
    private final AtomicLong newestEpoch = new AtomicLong();
    private final AtomicLong heartbeats = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile CoordinatorLink link;
    private volatile boolean closing;
    private ScheduledFuture<?> heartbeat;
    private long backoffMillis = 250;

    public WorkerAgent(WorkerSettings settings, ManagedChannel channel, ExecutionSettings execution, PlatformFacts platform) {
        this.settings = settings;
        this.channel = channel;
        this.execution = execution;
        this.platform = platform;
        this.artifacts = new ArtifactClient(channel);
        this.fetcher = new SourceFetcher(settings.workDir().resolve("cache/sources"));
        this.builders = Executors.newFixedThreadPool(settings.slots(), r -> daemon(r, "build"));
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

    private void connect() {
        if (closing) {
            return;
        }
        CoordinatorLink[] opened = new CoordinatorLink[1];
        ClientResponseObserver<WorkerMessage, CoordinatorMessage> responses = new ClientResponseObserver<>() {
            private CoordinatorLink mine;

            @Override
            public void beforeStart(ClientCallStreamObserver<WorkerMessage> requests) {
                mine = new CoordinatorLink(requests);
                opened[0] = mine;
                requests.setOnReadyHandler(mine::readyChanged);
            }

            @Override
            public void onNext(CoordinatorMessage message) {
                handle(mine, message);
            }

            @Override
            public void onError(Throwable t) {
                disconnected(mine, Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                disconnected(mine, Status.UNAVAILABLE.withDescription("the coordinator closed the stream"));
            }
        };
        WorkerServiceGrpc.newStub(channel).connect(responses);
        sayHello(opened[0]);
    }

    private void handle(CoordinatorLink from, CoordinatorMessage message) {
        switch (message.getMessageCase()) {
            case WELCOME -> welcomed(from, message);
            case ASSIGN -> assigned(message.getAssign());
            case CANCEL -> {
                AttemptRunner runner = running.get(message.getCancel().getAttemptId());
                if (runner != null) {
                    log.info("cancelling attempt {}: {}", runner.attemptId(), message.getCancel().getMessage());
                    builders.execute(runner::cancel);
                }
            }
            case RESULT_ACK -> acknowledged(message.getResultAck());
            case DRAIN -> log.info(message.getDrain().getUndrain() ? "undrained: taking new work again"
                    : "draining: finishing running attempts, taking nothing new");
            default -> log.warn("ignored an empty message from the coordinator");
        }
    }

    /** Called when the transport opened: the first message must be Hello, with what still runs. */
    private void sayHello(CoordinatorLink to) {
        Hello.Builder hello = Hello.newBuilder().setName(settings.name()).setInstanceId(instanceId).setPlatform(platform)
                .setCapacity(Capacity.newBuilder().setSlots(settings.slots()).setCores(settings.cores())
                        .setMemoryMb(settings.memoryMb()).putAllLabels(settings.labels()))
                .setNewestEpochSeen(newestEpoch.get());
        running.values().forEach(r -> hello.addAttempts(info(r.assign(), false)));
        unacknowledged.values().forEach(r -> hello.addAttempts(AttemptInfo.newBuilder().setAttemptId(r.getAttemptId())
                .setEpoch(r.getEpoch()).setFinished(true)));
        to.send(WorkerMessage.newBuilder().setHello(hello).build());
    }

    private static AttemptInfo info(Assign a, boolean finished) {
        return AttemptInfo.newBuilder().setAttemptId(a.getAttemptId()).setBuildId(a.getBuildId()).setPackageId(a.getPackageId())
                .setEpoch(a.getLeaderEpoch()).setCores(a.getCores()).setMemoryMb(a.getMemoryMb()).setFinished(finished).build();
    }

    private void welcomed(CoordinatorLink from, CoordinatorMessage message) {
        var welcome = message.getWelcome();
        newestEpoch.accumulateAndGet(welcome.getLeaderEpoch(), Math::max);
        link = from;
        backoffMillis = 250;
        long interval = Math.max(100, welcome.getHeartbeatInterval().getSeconds() * 1000 + welcome.getHeartbeatInterval().getNanos() / 1_000_000);
        synchronized (this) {
            if (heartbeat != null) {
                heartbeat.cancel(false);
            }
            heartbeat = timers.scheduleAtFixedRate(() -> sendHeartbeat(from), interval, interval, TimeUnit.MILLISECONDS);
        }
        for (String id : welcome.getAdoptedAttemptIdsList()) {
            AttemptResult pending = unacknowledged.get(id);
            if (pending != null) {
                from.send(WorkerMessage.newBuilder().setResult(pending.toBuilder().setEpoch(welcome.getLeaderEpoch())).build());
            }
        }
        unacknowledged.keySet().retainAll(welcome.getAdoptedAttemptIdsList());
        log.info("connected to the coordinator (epoch {}), {} attempts running", welcome.getLeaderEpoch(), running.size());
    }

    private void sendHeartbeat(CoordinatorLink to) {
        to.send(WorkerMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSequence(heartbeats.incrementAndGet())
                .addAllRunningAttemptIds(running.keySet())).build());
    }

    private void assigned(Assign assign) {
        if (assign.getLeaderEpoch() < newestEpoch.get()) {
            log.warn("ignored attempt {} from a deposed coordinator (epoch {} < {})", assign.getAttemptId(),
                    assign.getLeaderEpoch(), newestEpoch.get());
            return;
        }
        newestEpoch.accumulateAndGet(assign.getLeaderEpoch(), Math::max);
        if (running.containsKey(assign.getAttemptId())) {
            return;
        }
        AttemptRunner runner = new AttemptRunner(assign, settings, execution, artifacts, fetcher, reporter());
        running.put(assign.getAttemptId(), runner);
        log.info("building {} for build {} (attempt {}, {} cores)", assign.getPackageId(), assign.getBuildId(),
                assign.getAttemptId(), assign.getCores());
        builders.execute(() -> finish(runner, runner.run()));
    }

    private AttemptRunner.Reporter reporter() {
        return chunk -> {
            CoordinatorLink current = link;
            if (current != null && current.isOpen()) {
                current.sendWhenReady(AttemptRunner.message(chunk), LOG_PATIENCE);
            }
        };
    }

    private void finish(AttemptRunner runner, AttemptResult result) {
        unacknowledged.put(result.getAttemptId(), result);
        running.remove(runner.attemptId());
        log.info("attempt {} ({}) {}", result.getAttemptId(), runner.assign().getPackageId(),
                result.getOutcome().name().replace("ATTEMPT_OUTCOME_", "").toLowerCase(java.util.Locale.ROOT)
                        + (result.getFailureReason().isEmpty() ? "" : ": " + result.getFailureReason()));
        CoordinatorLink current = link;
        if (current != null) {
            current.send(WorkerMessage.newBuilder().setResult(result).build());
        }
    }

    private void acknowledged(ResultAck ack) {
        unacknowledged.remove(ack.getAttemptId());
        if (!ack.getAccepted()) {
            log.warn("the coordinator rejected the result of attempt {}: {} {}", ack.getAttemptId(),
                    ack.getRejectReason(), ack.getMessage());
        }
    }

    private void disconnected(CoordinatorLink which, Status status) {
        which.closed();
        if (link == which) {
            link = null;
        }
        if (closing) {
            return;
        }
        if (status.getCode() == Status.Code.INVALID_ARGUMENT || status.getCode() == Status.Code.ALREADY_EXISTS) {
            log.error("the coordinator refused this worker: {}", status.getDescription());
        } else {
            log.warn("coordinator unavailable ({}: {}); reconnecting in {} ms", status.getCode(), status.getDescription(), backoffMillis);
        }
        long delay = backoffMillis + ThreadLocalRandom.current().nextLong(backoffMillis / 4 + 1);
        backoffMillis = Math.min(backoffMillis * 2, settings.maxBackoff().toMillis());
        timers.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
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

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
