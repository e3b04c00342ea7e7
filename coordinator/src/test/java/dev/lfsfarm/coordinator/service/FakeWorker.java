package dev.lfsfarm.coordinator.service;

import com.google.protobuf.ByteString;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.proto.v1.ArtifactKind;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.AttemptInfo;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.CancelAttempt;
import dev.lfsfarm.proto.v1.Capacity;
import dev.lfsfarm.proto.v1.CoordinatorMessage;
import dev.lfsfarm.proto.v1.CoordinatorMessage.MessageCase;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.FailureKind;
import dev.lfsfarm.proto.v1.Heartbeat;
import dev.lfsfarm.proto.v1.Hello;
import dev.lfsfarm.proto.v1.LogChunk;
import dev.lfsfarm.proto.v1.PlatformFacts;
import dev.lfsfarm.proto.v1.ResultAck;
import dev.lfsfarm.proto.v1.Welcome;
import dev.lfsfarm.proto.v1.WorkerMessage;
import dev.lfsfarm.proto.v1.WorkerServiceGrpc;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A worker agent played by a test: it opens WorkerService.Connect, says Hello, heartbeats on its
 * own (until told to stop), and hands every coordinator message to the test through an inbox.
 * Waits have deadlines; a message of another kind than the one awaited is kept for later.
 */
public final class FakeWorker implements AutoCloseable {
    /** How long any single wait may take. */
    public static final Duration WAIT = Duration.ofSeconds(10);

    private final Channel channel;
    private final Path scratch;
    private final String name;
    private final String instanceId;
    private final ArtifactClient artifacts;
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fake-worker-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong heartbeatSequence = new AtomicLong();
    /** Guards the request stream (not thread-safe); never held while waiting. */
    private final Object sendLock = new Object();

    private volatile BlockingQueue<CoordinatorMessage> inbox;
    /** Messages received while the test waited for another kind, oldest first. */
    private final List<CoordinatorMessage> held = new ArrayList<>();

    private StreamObserver<WorkerMessage> requests;
    private volatile CompletableFuture<Status> ended;
    /** The first message the coordinator sent on the current stream. */
    private volatile CompletableFuture<CoordinatorMessage> first;

    private ScheduledFuture<?> heartbeats;
    private boolean requestsClosed;

    /**
     * @param scratch a folder for the artifacts this worker uploads
     */
    public FakeWorker(Channel channel, Path scratch, String name) {
        this(channel, scratch, name, UUID.randomUUID().toString());
    }

    public FakeWorker(Channel channel, Path scratch, String name, String instanceId) {
        this.channel = channel;
        this.scratch = scratch;
        this.name = name;
        this.instanceId = instanceId;
        this.artifacts = new ArtifactClient(channel);
    }

    public String name() {
        return name;
    }

    public String instanceId() {
        return instanceId;
    }

    /** A valid Hello for this worker: 2 slots, 4 cores, 8 GiB, x86_64, no attempts. */
    public Hello.Builder hello() {
        return Hello.newBuilder()
                .setName(name)
                .setInstanceId(instanceId)
                .setCapacity(Capacity.newBuilder().setSlots(2).setCores(4).setMemoryMb(8192))
                .setPlatform(PlatformFacts.newBuilder()
                        .setArch("x86_64")
                        .setOsId("test")
                        .setCpuCores(4));
    }

    /** Opens a new Connect stream (any previous one is abandoned) without sending anything. */
    public void open() {
        stopHeartbeats();
        synchronized (sendLock) {
            synchronized (held) {
                openLocked();
            }
        }
    }

    private void openLocked() {
        BlockingQueue<CoordinatorMessage> queue = new LinkedBlockingQueue<>();
        CompletableFuture<Status> end = new CompletableFuture<>();
        CompletableFuture<CoordinatorMessage> firstMessage = new CompletableFuture<>();
        first = firstMessage;
        inbox = queue;
        held.clear();
        ended = end;
        requestsClosed = false;
        requests = WorkerServiceGrpc.newStub(channel).connect(new StreamObserver<>() {
            @Override
            public void onNext(CoordinatorMessage message) {
                firstMessage.complete(message);
                if (message.hasAssign()) {
                    running.add(message.getAssign().getAttemptId());
                }
                queue.add(message);
            }

            @Override
            public void onError(Throwable t) {
                end.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                end.complete(Status.OK);
            }
        });
    }

    /** Opens a stream, says {@code hello}, waits for Welcome (which must come first) and starts heartbeating. */
    public Welcome connect(Hello.Builder hello) throws InterruptedException {
        open();
        send(WorkerMessage.newBuilder().setHello(hello).build());
        Welcome welcome = await(MessageCase.WELCOME).getWelcome();
        CoordinatorMessage firstMessage = first.getNow(null);
        if (firstMessage == null || !firstMessage.hasWelcome()) {
            throw new AssertionError(
                    "worker " + name + ": the first message of the stream is not Welcome but " + firstMessage);
        }
        Duration interval = Duration.ofSeconds(
                welcome.getHeartbeatInterval().getSeconds(),
                welcome.getHeartbeatInterval().getNanos());
        startHeartbeats(interval.isZero() ? Duration.ofMillis(200) : interval);
        return welcome;
    }

    /** Connects with the default Hello. */
    public Welcome connect() throws InterruptedException {
        return connect(hello());
    }

    /** Reconnects as the same agent process (same instance id), listing the attempts it still runs. */
    public Welcome reconnect(long newestEpochSeen) throws InterruptedException {
        Hello.Builder hello = hello().setNewestEpochSeen(newestEpochSeen);
        for (String id : running) {
            hello.addAttempts(AttemptInfo.newBuilder().setAttemptId(id));
        }
        return connect(hello);
    }

    /** Sends one message on the current stream (ignored once the stream is gone). */
    public void send(WorkerMessage message) {
        synchronized (sendLock) {
            if (requestsClosed || ended.isDone()) {
                return;
            }
            requests.onNext(message);
        }
    }

    public synchronized void startHeartbeats(Duration interval) {
        stopHeartbeats();
        heartbeats = timer.scheduleAtFixedRate(this::heartbeat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The worker goes silent (as if hung or cut off) but keeps its stream open. */
    public synchronized void stopHeartbeats() {
        if (heartbeats != null) {
            heartbeats.cancel(false);
            heartbeats = null;
        }
    }

    private void heartbeat() {
        try {
            send(WorkerMessage.newBuilder()
                    .setHeartbeat(Heartbeat.newBuilder()
                            .setSequence(heartbeatSequence.incrementAndGet())
                            .addAllRunningAttemptIds(running))
                    .build());
        } catch (RuntimeException e) {
            // the stream went away between the check and the send; the next tick sees it ended
        }
    }

    /** The stream breaks on the worker's side (the transport cancels the call); attempts keep running. */
    public void breakStream() {
        stopHeartbeats();
        synchronized (sendLock) {
            if (!requestsClosed && !ended.isDone()) {
                requestsClosed = true;
                requests.onError(Status.UNAVAILABLE
                        .withDescription("test breaks the stream")
                        .asRuntimeException());
            }
        }
    }

    /** The status the coordinator ended the current stream with; fails if it does not end in time. */
    public Status awaitEnd() throws InterruptedException {
        try {
            return ended.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (TimeoutException e) {
            throw new AssertionError("worker " + name + ": the stream did not end within " + WAIT);
        }
    }

    public boolean streamEnded() {
        return ended.isDone();
    }

    /** The next message of {@code kind}; others received meanwhile are kept for later waits. */
    public CoordinatorMessage await(MessageCase kind) throws InterruptedException {
        CoordinatorMessage found = take(kind, WAIT);
        if (found == null) {
            throw new AssertionError("worker " + name + ": no " + kind + " within " + WAIT + "; received meanwhile "
                    + heldKinds() + (ended.isDone() ? "; stream ended " + ended.join() : ""));
        }
        return found;
    }

    /** Fails if a message of {@code kind} is held or arrives within {@code window}. */
    public void expectNone(MessageCase kind, Duration window) throws InterruptedException {
        CoordinatorMessage found = take(kind, window);
        if (found != null) {
            throw new AssertionError("worker " + name + ": unexpected " + kind + ": " + found);
        }
    }

    private CoordinatorMessage take(MessageCase kind, Duration timeout) throws InterruptedException {
        synchronized (held) {
            return takeLocked(kind, timeout);
        }
    }

    private CoordinatorMessage takeLocked(MessageCase kind, Duration timeout) throws InterruptedException {
        for (Iterator<CoordinatorMessage> it = held.iterator(); it.hasNext(); ) {
            CoordinatorMessage m = it.next();
            if (m.getMessageCase() == kind) {
                it.remove();
                return m;
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            CoordinatorMessage m = inbox.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (m == null) {
                return null;
            }
            if (m.getMessageCase() == kind) {
                return m;
            }
            held.add(m);
        }
    }

    private String heldKinds() {
        synchronized (held) {
            return held.stream().map(m -> m.getMessageCase().name()).toList().toString();
        }
    }

    public Assign awaitAssign() throws InterruptedException {
        return await(MessageCase.ASSIGN).getAssign();
    }

    /** The next {@code count} assignments, by package id. */
    public Map<String, Assign> awaitAssigns(int count) throws InterruptedException {
        Map<String, Assign> byPackage = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            Assign a = awaitAssign();
            byPackage.put(a.getPackageId(), a);
        }
        return byPackage;
    }

    public CancelAttempt awaitCancel() throws InterruptedException {
        return await(MessageCase.CANCEL).getCancel();
    }

    /** The ResultAck for {@code attemptId} (acks of other attempts are kept). */
    public ResultAck awaitAck(String attemptId) throws InterruptedException {
        List<CoordinatorMessage> others = new ArrayList<>();
        try {
            while (true) {
                ResultAck ack = await(MessageCase.RESULT_ACK).getResultAck();
                if (ack.getAttemptId().equals(attemptId)) {
                    return ack;
                }
                others.add(CoordinatorMessage.newBuilder().setResultAck(ack).build());
            }
        } finally {
            synchronized (held) {
                held.addAll(0, others);
            }
        }
    }

    /** Sends log bytes of an attempt. */
    public void log(String attemptId, String text) {
        send(WorkerMessage.newBuilder()
                .setLogChunk(LogChunk.newBuilder()
                        .setAttemptId(attemptId)
                        .setData(ByteString.copyFromUtf8(text))
                        .setPhase("build"))
                .build());
    }

    /** Uploads a small, unique package archive for the attempt and returns its digest. */
    public Digest upload(Assign assign) throws IOException {
        Files.createDirectories(scratch);
        Path file = scratch.resolve(name + "-" + assign.getAttemptId().replace('/', '_') + ".tar.gz");
        Files.writeString(
                file,
                "archive of " + assign.getPackageId() + " built by " + name + " in attempt " + assign.getAttemptId()
                        + "\n",
                StandardCharsets.UTF_8);
        return artifacts.upload(file, ArtifactKind.ARTIFACT_KIND_PACKAGE);
    }

    /** A SUCCEEDED result for the attempt naming {@code artifact}. */
    public static AttemptResult.Builder success(Assign assign, Digest artifact) {
        return AttemptResult.newBuilder()
                .setAttemptId(assign.getAttemptId())
                .setEpoch(assign.getLeaderEpoch())
                .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)
                .setExitCode(0)
                .setArtifact(artifact)
                .setActionKey(assign.getActionKey());
    }

    /** Uploads an artifact, reports success and returns the coordinator's answer. */
    public ResultAck succeed(Assign assign) throws IOException, InterruptedException {
        return report(success(assign, upload(assign)).build());
    }

    /** Reports a failed phase and returns the coordinator's answer. */
    public ResultAck fail(Assign assign, String reason) throws InterruptedException {
        return report(AttemptResult.newBuilder()
                .setAttemptId(assign.getAttemptId())
                .setEpoch(assign.getLeaderEpoch())
                .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
                .setExitCode(2)
                .setFailureKind(FailureKind.FAILURE_KIND_PHASE_FAILED)
                .setFailedPhase("build")
                .setFailureReason(reason)
                .setLogTail("make: *** [all] Error 2\n")
                .setActionKey(assign.getActionKey())
                .build());
    }

    /** Reports that a cancelled attempt stopped. */
    public ResultAck cancelled(String attemptId, long epoch) throws InterruptedException {
        return report(AttemptResult.newBuilder()
                .setAttemptId(attemptId)
                .setEpoch(epoch)
                .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED)
                .setFailureReason("cancelled")
                .build());
    }

    /** Sends a result and waits for its ack. */
    public ResultAck report(AttemptResult result) throws InterruptedException {
        send(WorkerMessage.newBuilder().setResult(result).build());
        ResultAck ack = awaitAck(result.getAttemptId());
        if (ack.getAccepted()) {
            running.remove(result.getAttemptId());
        }
        return ack;
    }

    /** Stops heartbeats and half-closes the stream. */
    @Override
    public void close() {
        stopHeartbeats();
        timer.shutdownNow();
        synchronized (sendLock) {
            if (requests != null && !requestsClosed && !ended.isDone()) {
                requestsClosed = true;
                try {
                    requests.onCompleted();
                } catch (RuntimeException e) {
                    // already gone
                }
            }
        }
    }
}
