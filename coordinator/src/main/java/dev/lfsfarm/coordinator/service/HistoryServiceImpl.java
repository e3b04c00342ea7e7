package dev.lfsfarm.coordinator.service;

import dev.lfsfarm.common.history.LearnedDurations;
import dev.lfsfarm.coordinator.dispatch.Dispatcher;
import dev.lfsfarm.proto.v1.GetEstimatesRequest;
import dev.lfsfarm.proto.v1.GetEstimatesResponse;
import dev.lfsfarm.proto.v1.GetHistoryRequest;
import dev.lfsfarm.proto.v1.GetHistoryResponse;
import dev.lfsfarm.proto.v1.HistoryServiceGrpc;
import dev.lfsfarm.proto.v1.ListWorkerSpeedsRequest;
import dev.lfsfarm.proto.v1.ListWorkerSpeedsResponse;
import dev.lfsfarm.proto.v1.PackageHistory;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** The benchmark manager, read-only: package histories, worker speeds, estimates ({@code farm history}, {@code farm plan}). */
public final class HistoryServiceImpl extends HistoryServiceGrpc.HistoryServiceImplBase {
    private final Supplier<Dispatcher> dispatchers;

    /** @param dispatchers the leader's current dispatcher (throws a Status for a standby) */
    public HistoryServiceImpl(Supplier<Dispatcher> dispatchers) {
        this.dispatchers = dispatchers;
    }

    @Override
    public void getHistory(GetHistoryRequest request, StreamObserver<GetHistoryResponse> observer) {
        if (request.getPackageId().isEmpty()) {
            observer.onError(Status.INVALID_ARGUMENT
                    .withDescription("package_id is required")
                    .asRuntimeException());
            return;
        }
        Dispatcher dispatcher = dispatchers.get();
        LearnedDurations learned = dispatcher.learnedDurations();
        Replies.reply(
                dispatcher.packageHistory(request.getPackageId()),
                found -> {
                    PackageHistory history = found.orElseThrow(() -> Status.NOT_FOUND
                            .withDescription("no attempts of package '" + request.getPackageId() + "' are recorded")
                            .asRuntimeException());
                    LearnedDurations.Learned estimate = learned.learned(history);
                    int limit = request.getLimit();
                    if (limit > 0 && history.getRecordsCount() > limit) {
                        history = PackageHistory.newBuilder()
                                .setPackageId(history.getPackageId())
                                .addAllRecords(history.getRecordsList()
                                        .subList(history.getRecordsCount() - limit, history.getRecordsCount()))
                                .build();
                    }
                    return GetHistoryResponse.newBuilder()
                            .setHistory(history)
                            .setLearnedSbu(estimate.sbu())
                            .setSamples(estimate.samples())
                            .build();
                },
                observer);
    }

    @Override
    public void listWorkerSpeeds(ListWorkerSpeedsRequest request, StreamObserver<ListWorkerSpeedsResponse> observer) {
        Dispatcher dispatcher = dispatchers.get();
        Replies.reply(
                dispatcher.workerSpeeds(),
                speeds -> ListWorkerSpeedsResponse.newBuilder()
                        .addAllWorkers(speeds)
                        .setDefaultSecondsPerSbu(dispatcher.settings().sbuSeconds())
                        .build(),
                observer);
    }

    @Override
    public void getEstimates(GetEstimatesRequest request, StreamObserver<GetEstimatesResponse> observer) {
        Dispatcher dispatcher = dispatchers.get();
        Replies.reply(
                dispatcher.estimates(request.getPackagesList()),
                estimates -> GetEstimatesResponse.newBuilder()
                        .addAllEstimates(estimates)
                        .setReferenceSecondsPerSbu(dispatcher.settings().sbuSeconds())
                        .build(),
                observer);
    }
}
