package dev.lfsfarm.coordinator.service;

import com.google.protobuf.ByteString;
import dev.lfsfarm.coordinator.dispatch.Dispatcher;
import dev.lfsfarm.coordinator.log.LogStore;
import dev.lfsfarm.coordinator.workers.WorkerView;
import dev.lfsfarm.proto.v1.AttemptInfo;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildEvent;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.CancelBuildRequest;
import dev.lfsfarm.proto.v1.CancelBuildResponse;
import dev.lfsfarm.proto.v1.DrainWorkerRequest;
import dev.lfsfarm.proto.v1.DrainWorkerResponse;
import dev.lfsfarm.proto.v1.ExplainPendingRequest;
import dev.lfsfarm.proto.v1.ExplainPendingResponse;
import dev.lfsfarm.proto.v1.FreeResources;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.GetBuildResponse;
import dev.lfsfarm.proto.v1.ListBuildsRequest;
import dev.lfsfarm.proto.v1.ListBuildsResponse;
import dev.lfsfarm.proto.v1.ListWorkersRequest;
import dev.lfsfarm.proto.v1.ListWorkersResponse;
import dev.lfsfarm.proto.v1.PendingExplanation;
import dev.lfsfarm.proto.v1.PendingReason;
import dev.lfsfarm.proto.v1.PendingReasonKind;
import dev.lfsfarm.proto.v1.ResumeBuildRequest;
import dev.lfsfarm.proto.v1.ResumeBuildResponse;
import dev.lfsfarm.proto.v1.RetryBuildRequest;
import dev.lfsfarm.proto.v1.RetryBuildResponse;
import dev.lfsfarm.proto.v1.StreamLogRequest;
import dev.lfsfarm.proto.v1.StreamLogResponse;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import dev.lfsfarm.proto.v1.WorkerState;
import dev.lfsfarm.proto.v1.WorkerStatus;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** The CLI's service: submit and follow builds, read logs, manage workers. */
public final class BuildServiceImpl extends BuildServiceGrpc.BuildServiceImplBase {
    private static final int LOG_CHUNK = 256 * 1024;

    private final Supplier<Dispatcher> dispatchers;
    private final Executor logReaders;

    /**
     * @param dispatchers the leader's current dispatcher (throws a Status for a standby)
     * @param logReaders runs log streaming (reads from disk, paced by the client's flow control)
     */
    public BuildServiceImpl(Supplier<Dispatcher> dispatchers, Executor logReaders) {
        this.dispatchers = dispatchers;
        this.logReaders = logReaders;
    }

    public BuildServiceImpl(Dispatcher dispatcher, Executor logReaders) {
        this(() -> dispatcher, logReaders);
    }

    private Dispatcher dispatcher() {
        return dispatchers.get();
    }

    @Override
    public void submitBuild(SubmitBuildRequest request, StreamObserver<SubmitBuildResponse> observer) {
        if (request.getBook().getRecipesCount() == 0) {
            observer.onError(Status.INVALID_ARGUMENT
                    .withDescription("the book has no recipes")
                    .asRuntimeException());
            return;
        }
        Replies.reply(dispatcher().submit(request), r -> r, observer);
    }

    @Override
    public void getBuild(GetBuildRequest request, StreamObserver<GetBuildResponse> observer) {
        Replies.reply(
                dispatcher().get(request.getBuildId(), !request.getSummaryOnly()),
                b -> GetBuildResponse.newBuilder().setBuild(b).build(),
                observer);
    }

    @Override
    public void listBuilds(ListBuildsRequest request, StreamObserver<ListBuildsResponse> observer) {
        // The dispatcher lists builds in submit order; the API lists the newest first.
        Replies.reply(
                dispatcher().list(),
                list -> {
                    List<Build> newestFirst = new ArrayList<>(list);
                    Collections.reverse(newestFirst);
                    return ListBuildsResponse.newBuilder()
                            .addAllBuilds(newestFirst.stream()
                                    .filter(b -> request.getStatesCount() == 0
                                            || request.getStatesList().contains(b.getState()))
                                    .toList())
                            .build();
                },
                observer);
    }

    @Override
    public void watchBuild(dev.lfsfarm.proto.v1.WatchBuildRequest request, StreamObserver<BuildEvent> observer) {
        dispatcher().watch(request.getBuildId(), (ServerCallStreamObserver<BuildEvent>) observer);
    }

    @Override
    public void cancelBuild(CancelBuildRequest request, StreamObserver<CancelBuildResponse> observer) {
        Replies.reply(
                dispatcher().cancel(request.getBuildId(), request.getReason()),
                s -> CancelBuildResponse.newBuilder().setState(s).build(),
                observer);
    }

    @Override
    public void retryBuild(RetryBuildRequest request, StreamObserver<RetryBuildResponse> observer) {
        Replies.reply(
                dispatcher().retry(request.getBuildId()),
                n -> RetryBuildResponse.newBuilder()
                        .setRequeued(n)
                        .setState(dev.lfsfarm.proto.v1.BuildState.BUILD_STATE_RUNNING)
                        .build(),
                observer);
    }

    @Override
    public void resumeBuild(ResumeBuildRequest request, StreamObserver<ResumeBuildResponse> observer) {
        if (request.getBuildId().isEmpty()) {
            observer.onError(Status.INVALID_ARGUMENT
                    .withDescription("build_id is required")
                    .asRuntimeException());
            return;
        }
        Replies.reply(
                dispatcher().resume(request.getBuildId()),
                r -> ResumeBuildResponse.newBuilder()
                        .setState(r.state())
                        .setResumed(r.resumed())
                        .setRemaining(r.remaining())
                        .build(),
                observer);
    }

    @Override
    public void listWorkers(ListWorkersRequest request, StreamObserver<ListWorkersResponse> observer) {
        Replies.reply(
                dispatcher().workers(),
                views -> {
                    ListWorkersResponse.Builder response = ListWorkersResponse.newBuilder()
                            .setLeaderEpoch(dispatcher().epoch());
                    for (WorkerView view : views) {
                        if (view.slot() == null && !request.getIncludeLost()) {
                            continue;
                        }
                        response.addWorkers(status(view));
                    }
                    return response.build();
                },
                observer);
    }

    @Override
    public void drainWorker(DrainWorkerRequest request, StreamObserver<DrainWorkerResponse> observer) {
        Replies.reply(
                dispatcher()
                        .drain(request.getName(), request.getUndrain())
                        .thenCompose(s -> dispatcher().workers()),
                views -> DrainWorkerResponse.newBuilder()
                        .setWorker(views.stream()
                                .filter(v -> v.session().name().equals(request.getName()))
                                .map(BuildServiceImpl::status)
                                .findFirst()
                                .orElseThrow())
                        .build(),
                observer);
    }

    static WorkerStatus status(WorkerView view) {
        WorkerStatus.Builder w = WorkerStatus.newBuilder()
                .setName(view.session().name())
                .setPlatform(view.session().platform())
                .setCapacity(view.session().capacity())
                .setPeerAddress(view.session().peer());
        if (view.slot() == null) {
            w.setState(WorkerState.WORKER_STATE_LOST);
        } else {
            w.setState(
                    !view.session().isOpen()
                            ? WorkerState.WORKER_STATE_DISCONNECTED
                            : view.draining() ? WorkerState.WORKER_STATE_DRAINING : WorkerState.WORKER_STATE_ACTIVE);
            w.setFree(FreeResources.newBuilder()
                    .setSlots(view.slot().freeSlots())
                    .setCores(view.slot().freeCores())
                    .setMemoryMb(Math.max(0, view.slot().freeMemoryMb())));
        }
        view.running()
                .forEach(a -> w.addAttempts(AttemptInfo.newBuilder()
                        .setAttemptId(a.id())
                        .setBuildId(a.buildId())
                        .setPackageId(a.packageId())));
        return w.build();
    }

    @Override
    public void explainPending(ExplainPendingRequest request, StreamObserver<ExplainPendingResponse> observer) {
        Replies.reply(
                dispatcher().explain(request.getBuildId(), request.getPackageIdsList()),
                reasons -> {
                    ExplainPendingResponse.Builder response = ExplainPendingResponse.newBuilder();
                    for (Map.Entry<String, String> e : reasons.entrySet()) {
                        response.addExplanations(PendingExplanation.newBuilder()
                                .setPackageId(e.getKey())
                                .addReasons(PendingReason.newBuilder()
                                        .setKind(kind(e.getValue()))
                                        .setMessage(e.getValue())));
                    }
                    return response.build();
                },
                observer);
    }

    private static PendingReasonKind kind(String reason) {
        if (reason.startsWith("waiting on")) {
            return PendingReasonKind.PENDING_REASON_KIND_WAITING_ON_DEPENDENCIES;
        } else if (reason.startsWith("no workers")) {
            return PendingReasonKind.PENDING_REASON_KIND_NO_WORKERS;
        } else if (reason.startsWith("no worker has the labels")) {
            return PendingReasonKind.PENDING_REASON_KIND_NO_WORKER_MATCHING_LABELS;
        } else if (reason.contains("MiB of memory")) {
            return PendingReasonKind.PENDING_REASON_KIND_NO_WORKER_WITH_MEMORY;
        } else if (reason.startsWith("all matching workers are busy")) {
            return PendingReasonKind.PENDING_REASON_KIND_ALL_SLOTS_BUSY;
        }
        return PendingReasonKind.PENDING_REASON_KIND_UNSPECIFIED;
    }

    @Override
    public void streamLog(StreamLogRequest request, StreamObserver<StreamLogResponse> observer) {
        // gRPC takes the ready and cancel handlers only before this method returns, so the pump
        // attaches them now; it starts reading once the dispatcher has named the attempt.
        LogPump pump = new LogPump(
                (ServerCallStreamObserver<StreamLogResponse>) observer,
                dispatcher().logs(),
                Math.max(0, request.getOffset()),
                request.getFollow(),
                logReaders);
        pump.attach();
        dispatcher().packageStatus(request.getBuildId(), request.getPackageId()).whenComplete((status, error) -> {
            if (error != null) {
                observer.onError(Replies.status(error));
                return;
            }
            String attempt = request.getAttemptId().isEmpty() ? status.getAttemptId() : request.getAttemptId();
            if (attempt.isEmpty()) {
                observer.onError(Status.NOT_FOUND
                        .withDescription("package " + request.getPackageId() + " has not run in build "
                                + request.getBuildId() + " (it is " + status.getState() + ")")
                        .asRuntimeException());
                return;
            }
            pump.start(attempt);
        });
    }

    /**
     * Streams one attempt's log from disk, as fast as the client reads it and no faster: it sends
     * only while the call is ready, and resumes from the transport's on-ready signal or an append.
     */
    private static final class LogPump {
        private final ServerCallStreamObserver<StreamLogResponse> observer;
        private final LogStore logs;
        private final boolean follow;
        private final Executor executor;
        private final AtomicLong offset;
        /** Signals not yet handled by a pump pass; non-zero while a pass is scheduled or running. */
        private final AtomicInteger signals = new AtomicInteger();

        private volatile String attempt;
        private volatile boolean done;
        private volatile Runnable stopListening = () -> {};

        LogPump(
                ServerCallStreamObserver<StreamLogResponse> observer,
                LogStore logs,
                long offset,
                boolean follow,
                Executor executor) {
            this.observer = observer;
            this.logs = logs;
            this.follow = follow;
            this.executor = executor;
            this.offset = new AtomicLong(offset);
        }

        /** Registers the call's handlers; must run inside the service method. */
        void attach() {
            observer.setOnReadyHandler(this::schedule);
            observer.setOnCancelHandler(() -> {
                done = true;
                stopListening.run();
            });
        }

        /** Starts streaming {@code attemptId}'s log (any thread). */
        void start(String attemptId) {
            attempt = attemptId;
            if (follow) {
                stopListening = logs.listen(attemptId, this::schedule);
                if (done) {
                    stopListening.run(); // cancelled while we subscribed
                }
            }
            schedule();
        }

        /**
         * Runs the pump on the executor, one pass at a time: a signal (append, on-ready) during a
         * pass makes that same thread pass again instead of starting a second, concurrent pump.
         */
        private void schedule() {
            if (!done && attempt != null && signals.getAndIncrement() == 0) {
                executor.execute(this::drain);
            }
        }

        private void drain() {
            int missed = 1;
            do {
                try {
                    pump();
                } catch (RuntimeException e) {
                    if (!done) {
                        done = true;
                        stopListening.run();
                        observer.onError(Replies.status(e));
                    }
                }
                missed = signals.addAndGet(-missed);
            } while (missed != 0);
        }

        private void pump() {
            while (!done && observer.isReady()) {
                LogStore.Chunk chunk = logs.read(attempt, offset.get(), LOG_CHUNK);
                // A finished log always ends with an end_of_log message, empty when the bytes went out earlier.
                if (chunk.data().length > 0 || chunk.elidedBytes() > 0 || chunk.closed()) {
                    observer.onNext(StreamLogResponse.newBuilder()
                            .setAttemptId(attempt)
                            .setOffset(chunk.offset())
                            .setData(ByteString.copyFrom(chunk.data()))
                            .setElidedBytes(chunk.elidedBytes())
                            .setEndOfLog(chunk.closed())
                            .build());
                    offset.set(chunk.offset() + chunk.data().length);
                }
                if (chunk.closed() || (!follow && chunk.data().length == 0)) {
                    done = true;
                    stopListening.run();
                    observer.onCompleted();
                    return;
                }
                if (chunk.data().length == 0) {
                    return; // wait for an append
                }
            }
        }
    }
}
