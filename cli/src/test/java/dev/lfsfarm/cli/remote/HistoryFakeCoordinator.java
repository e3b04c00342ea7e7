package dev.lfsfarm.cli.remote;

import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildEvent;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.GetBuildResponse;
import dev.lfsfarm.proto.v1.GetHistoryRequest;
import dev.lfsfarm.proto.v1.GetHistoryResponse;
import dev.lfsfarm.proto.v1.HistoryServiceGrpc;
import dev.lfsfarm.proto.v1.ListWorkerSpeedsRequest;
import dev.lfsfarm.proto.v1.ListWorkerSpeedsResponse;
import dev.lfsfarm.proto.v1.ListWorkersRequest;
import dev.lfsfarm.proto.v1.ListWorkersResponse;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import dev.lfsfarm.proto.v1.WatchBuildRequest;
import dev.lfsfarm.proto.v1.WorkerStatus;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A coordinator double on loopback for {@code farm calibrate} and {@code farm history}: the
 * workers, the finished builds and the speeds and histories are whatever the test sets; every
 * call is recorded in order. A calibration build of worker W gets the id {@code cal-W}; its
 * WatchBuild stream ends at once and GetBuild answers {@link #finished}{@code .get("cal-W")}.
 */
final class HistoryFakeCoordinator implements AutoCloseable {
    final String address;
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final List<SubmitBuildRequest> submits = Collections.synchronizedList(new ArrayList<>());
    volatile List<WorkerStatus> workers = List.of();
    /** Finished builds by id. */
    final Map<String, Build> finished = new ConcurrentHashMap<>();
    /** ListWorkerSpeeds answers: the first call gets the first, every later call the last. */
    volatile List<ListWorkerSpeedsResponse> speeds = List.of(ListWorkerSpeedsResponse.getDefaultInstance());
    /** GetHistory answers by package id; any other package is NOT_FOUND. */
    final Map<String, GetHistoryResponse> histories = new ConcurrentHashMap<>();

    final List<GetHistoryRequest> historyRequests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger speedCalls = new AtomicInteger();
    private final Server server;

    HistoryFakeCoordinator() throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Builds())
                .addService(new History())
                .build()
                .start();
        address = "127.0.0.1:" + server.getPort();
    }

    static WorkerStatus worker(String name, dev.lfsfarm.proto.v1.WorkerState state) {
        return WorkerStatus.newBuilder().setName(name).setState(state).build();
    }

    @Override
    public void close() {
        try {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Builds extends BuildServiceGrpc.BuildServiceImplBase {
        @Override
        public void listWorkers(ListWorkersRequest request, StreamObserver<ListWorkersResponse> out) {
            calls.add("ListWorkers");
            out.onNext(ListWorkersResponse.newBuilder().addAllWorkers(workers).build());
            out.onCompleted();
        }

        @Override
        public void submitBuild(SubmitBuildRequest request, StreamObserver<SubmitBuildResponse> out) {
            calls.add("SubmitBuild " + request.getCalibrateWorker());
            submits.add(request);
            out.onNext(SubmitBuildResponse.newBuilder()
                    .setBuildId("cal-" + request.getCalibrateWorker())
                    .setCreated(true)
                    .setState(BuildState.BUILD_STATE_QUEUED)
                    .setTotalPackages(1)
                    .build());
            out.onCompleted();
        }

        @Override
        public void watchBuild(WatchBuildRequest request, StreamObserver<BuildEvent> out) {
            calls.add("WatchBuild " + request.getBuildId());
            out.onCompleted();
        }

        @Override
        public void getBuild(GetBuildRequest request, StreamObserver<GetBuildResponse> out) {
            calls.add("GetBuild " + request.getBuildId());
            Build build = finished.get(request.getBuildId());
            if (build == null) {
                out.onError(Status.NOT_FOUND
                        .withDescription("no build " + request.getBuildId())
                        .asRuntimeException());
                return;
            }
            out.onNext(GetBuildResponse.newBuilder().setBuild(build).build());
            out.onCompleted();
        }
    }

    private final class History extends HistoryServiceGrpc.HistoryServiceImplBase {
        @Override
        public void listWorkerSpeeds(ListWorkerSpeedsRequest request, StreamObserver<ListWorkerSpeedsResponse> out) {
            calls.add("ListWorkerSpeeds");
            List<ListWorkerSpeedsResponse> answers = speeds;
            out.onNext(answers.get(Math.min(speedCalls.getAndIncrement(), answers.size() - 1)));
            out.onCompleted();
        }

        @Override
        public void getHistory(GetHistoryRequest request, StreamObserver<GetHistoryResponse> out) {
            calls.add("GetHistory " + request.getPackageId());
            historyRequests.add(request);
            GetHistoryResponse history = histories.get(request.getPackageId());
            if (history == null) {
                out.onError(Status.NOT_FOUND
                        .withDescription("no history for " + request.getPackageId())
                        .asRuntimeException());
                return;
            }
            out.onNext(history);
            out.onCompleted();
        }
    }
}
