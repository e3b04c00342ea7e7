package dev.lfsfarm.coordinator.service;

import dev.lfsfarm.common.concurrent.DaemonThreadFactory;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.coordinator.artifact.ArtifactSpecBlobs;
import dev.lfsfarm.coordinator.artifact.ArtifactStore;
import dev.lfsfarm.coordinator.checkpoint.GarbageCollector;
import dev.lfsfarm.coordinator.dispatch.Dispatcher;
import dev.lfsfarm.proto.v1.CheckpointServiceGrpc;
import dev.lfsfarm.proto.v1.CollectGarbageRequest;
import dev.lfsfarm.proto.v1.CollectGarbageResponse;
import dev.lfsfarm.proto.v1.CreateCheckpointRequest;
import dev.lfsfarm.proto.v1.CreateCheckpointResponse;
import dev.lfsfarm.proto.v1.DeleteCheckpointRequest;
import dev.lfsfarm.proto.v1.DeleteCheckpointResponse;
import dev.lfsfarm.proto.v1.GetCheckpointRequest;
import dev.lfsfarm.proto.v1.GetCheckpointResponse;
import dev.lfsfarm.proto.v1.ListCheckpointsRequest;
import dev.lfsfarm.proto.v1.ListCheckpointsResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Sysroot checkpoints and garbage collection of the artifact store ({@code farm checkpoint ...}). */
public final class CheckpointServiceImpl extends CheckpointServiceGrpc.CheckpointServiceImplBase {
    private final Supplier<Dispatcher> dispatchers;
    private final ArtifactSpecBlobs blobs;
    private final GarbageCollector collector;
    /**
     * Runs collections one at a time, off the dispatcher thread (walking a large store takes a
     * while). Its one thread exits when idle, so the service needs no shutdown of its own.
     */
    private final ExecutorService gcRunner;

    /** @param dispatchers the leader's current dispatcher (throws a Status for a standby) */
    public CheckpointServiceImpl(Supplier<Dispatcher> dispatchers, ArtifactStore artifacts) {
        this.dispatchers = dispatchers;
        this.blobs = new ArtifactSpecBlobs(artifacts);
        this.collector = new GarbageCollector(artifacts);
        ThreadPoolExecutor runner = new ThreadPoolExecutor(
                1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), DaemonThreadFactory.named("artifact-gc"));
        runner.allowCoreThreadTimeOut(true);
        this.gcRunner = runner;
    }

    @Override
    public void createCheckpoint(CreateCheckpointRequest request, StreamObserver<CreateCheckpointResponse> observer) {
        Replies.reply(
                dispatchers.get().createCheckpoint(request.getName(), request.getBuildId(), request.getUpto(), blobs),
                c -> CreateCheckpointResponse.newBuilder()
                        .setCheckpoint(c.checkpoint())
                        .setCreated(c.created())
                        .build(),
                observer);
    }

    @Override
    public void listCheckpoints(ListCheckpointsRequest request, StreamObserver<ListCheckpointsResponse> observer) {
        Replies.reply(
                dispatchers.get().listCheckpoints(),
                list -> ListCheckpointsResponse.newBuilder()
                        .addAllCheckpoints(list)
                        .build(),
                observer);
    }

    @Override
    public void getCheckpoint(GetCheckpointRequest request, StreamObserver<GetCheckpointResponse> observer) {
        Replies.reply(
                dispatchers.get().getCheckpoint(request.getName(), blobs),
                c -> GetCheckpointResponse.newBuilder().setCheckpoint(c).build(),
                observer);
    }

    @Override
    public void deleteCheckpoint(DeleteCheckpointRequest request, StreamObserver<DeleteCheckpointResponse> observer) {
        Replies.reply(
                dispatchers.get().deleteCheckpoint(request.getName()),
                c -> DeleteCheckpointResponse.newBuilder().setCheckpoint(c).build(),
                observer);
    }

    @Override
    public void collectGarbage(CollectGarbageRequest request, StreamObserver<CollectGarbageResponse> observer) {
        Duration minAge = request.hasMinAge()
                ? Duration.ofSeconds(
                        request.getMinAge().getSeconds(), request.getMinAge().getNanos())
                : GarbageCollector.DEFAULT_MIN_AGE;
        if (minAge.isNegative()) {
            observer.onError(Status.INVALID_ARGUMENT
                    .withDescription("min_age must not be negative, got " + minAge)
                    .asRuntimeException());
            return;
        }
        OptionalInt keep = request.hasKeepCheckpoints()
                ? OptionalInt.of(
                        (int) Math.min(Integer.MAX_VALUE, Integer.toUnsignedLong(request.getKeepCheckpoints())))
                : OptionalInt.empty();
        Dispatcher dispatcher = dispatchers.get();
        CompletableFuture<GarbageCollector.Report> run = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return collector.collect(dispatcher, keep, request.getDryRun(), minAge);
                    } catch (IOException e) {
                        throw new UncheckedIOException("garbage collection failed: " + e.getMessage(), e);
                    }
                },
                gcRunner);
        Replies.reply(run, CheckpointServiceImpl::response, observer);
    }

    private static CollectGarbageResponse response(GarbageCollector.Report r) {
        return CollectGarbageResponse.newBuilder()
                .setDryRun(r.dryRun())
                .addAllDeletedCheckpoints(r.deletedCheckpoints())
                .addAllKeptCheckpoints(r.keptCheckpoints())
                .setBlobsRemoved(r.blobsRemoved())
                .setBytesFreed(r.bytesFreed())
                .setActionCacheEntriesRemoved(r.actionEntriesRemoved())
                .setBlobsReferenced(r.blobsReferenced())
                .setBytesReferenced(r.bytesReferenced())
                .setBlobsTooYoung(r.blobsTooYoung())
                .setBytesTooYoung(r.bytesTooYoung())
                .setMinAge(ProtoTime.duration(r.minAge()))
                .build();
    }
}
