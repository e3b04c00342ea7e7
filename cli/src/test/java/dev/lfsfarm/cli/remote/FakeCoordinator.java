package dev.lfsfarm.cli.remote;

import dev.lfsfarm.common.leader.CoordinatorLocator;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildEvent;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.GetBuildResponse;
import dev.lfsfarm.proto.v1.ListBuildsRequest;
import dev.lfsfarm.proto.v1.ListBuildsResponse;
import dev.lfsfarm.proto.v1.ResumeBuildRequest;
import dev.lfsfarm.proto.v1.ResumeBuildResponse;
import dev.lfsfarm.proto.v1.StreamLogRequest;
import dev.lfsfarm.proto.v1.StreamLogResponse;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import dev.lfsfarm.proto.v1.WatchBuildRequest;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A BuildService on loopback that the test scripts: it leads (answers from its fields) or stands
 * by for another (every call gets FAILED_PRECONDITION with the farm-leader trailer), and it
 * records every request, so a test can see where each call went and what it carried.
 */
final class FakeCoordinator implements AutoCloseable {
    final String name;
    final String address;
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final List<SubmitBuildRequest> submits = Collections.synchronizedList(new ArrayList<>());
    final List<WatchBuildRequest> watches = Collections.synchronizedList(new ArrayList<>());
    final List<StreamLogRequest> logRequests = Collections.synchronizedList(new ArrayList<>());
    /** Statuses the next SubmitBuild calls fail with, before one succeeds. */
    final ConcurrentLinkedQueue<Status> submitFailures = new ConcurrentLinkedQueue<>();

    volatile String standbyFor;
    volatile Build build = Build.newBuilder()
            .setBuildId("b-1")
            .setState(BuildState.BUILD_STATE_RUNNING)
            .setBookName("t")
            .build();
    /** What WatchBuild sends for a request: events, then the stream's end ({@link Script#end}). */
    volatile Function<WatchBuildRequest, Script<BuildEvent>> watchScript =
            r -> new Script<>(List.of(), Status.OK, null);

    volatile Function<StreamLogRequest, Script<StreamLogResponse>> logScript =
            r -> new Script<>(List.of(), Status.OK, null);
    volatile ResumeBuildResponse resume = ResumeBuildResponse.getDefaultInstance();
    volatile Status resumeFailure;
    private final Server server;

    /** Messages to send, then how the stream ends; {@code then} runs between the two (for example: stand by). */
    record Script<T>(List<T> messages, Status end, Runnable then) {}

    FakeCoordinator(String name) throws IOException {
        this.name = name;
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Service())
                .build()
                .start();
        this.address = "127.0.0.1:" + server.getPort();
    }

    FakeCoordinator standbyFor(FakeCoordinator leader) {
        standbyFor = leader == null ? null : leader.address;
        return this;
    }

    long count(String method) {
        synchronized (calls) {
            return calls.stream().filter(method::equals).count();
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private final class Service extends BuildServiceGrpc.BuildServiceImplBase {
        /** Records the call; true (and the standby's answer sent) when this coordinator does not lead. */
        private boolean refused(String method, StreamObserver<?> out) {
            calls.add(method);
            String leader = standbyFor;
            if (leader == null) {
                return false;
            }
            Metadata trailers = new Metadata();
            trailers.put(CoordinatorLocator.LEADER_TRAILER, leader);
            out.onError(Status.FAILED_PRECONDITION
                    .withDescription("not the leader; leader is " + leader + " (epoch 2)")
                    .asRuntimeException(trailers));
            return true;
        }

        @Override
        public void submitBuild(SubmitBuildRequest request, StreamObserver<SubmitBuildResponse> out) {
            submits.add(request);
            if (refused("SubmitBuild", out)) {
                return;
            }
            Status failure = submitFailures.poll();
            if (failure != null) {
                out.onError(failure.asRuntimeException());
                return;
            }
            out.onNext(SubmitBuildResponse.newBuilder()
                    .setBuildId(build.getBuildId())
                    .setCreated(true)
                    .setState(BuildState.BUILD_STATE_QUEUED)
                    .setTotalPackages(1)
                    .build());
            out.onCompleted();
        }

        @Override
        public void getBuild(GetBuildRequest request, StreamObserver<GetBuildResponse> out) {
            if (refused("GetBuild", out)) {
                return;
            }
            out.onNext(GetBuildResponse.newBuilder().setBuild(build).build());
            out.onCompleted();
        }

        @Override
        public void listBuilds(ListBuildsRequest request, StreamObserver<ListBuildsResponse> out) {
            if (refused("ListBuilds", out)) {
                return;
            }
            out.onNext(ListBuildsResponse.newBuilder()
                    .addBuilds(build.toBuilder().setBookName(name))
                    .build());
            out.onCompleted();
        }

        @Override
        public void resumeBuild(ResumeBuildRequest request, StreamObserver<ResumeBuildResponse> out) {
            if (refused("ResumeBuild", out)) {
                return;
            }
            if (resumeFailure != null) {
                out.onError(resumeFailure.asRuntimeException());
                return;
            }
            out.onNext(resume);
            out.onCompleted();
        }

        @Override
        public void watchBuild(WatchBuildRequest request, StreamObserver<BuildEvent> out) {
            watches.add(request);
            if (refused("WatchBuild", out)) {
                return;
            }
            play(watchScript.apply(request), out);
        }

        @Override
        public void streamLog(StreamLogRequest request, StreamObserver<StreamLogResponse> out) {
            logRequests.add(request);
            if (refused("StreamLog", out)) {
                return;
            }
            play(logScript.apply(request), out);
        }

        private <T> void play(Script<T> script, StreamObserver<T> out) {
            script.messages().forEach(out::onNext);
            if (script.then() != null) {
                script.then().run();
            }
            if (script.end().isOk()) {
                out.onCompleted();
            } else {
                out.onError(script.end().asRuntimeException());
            }
        }
    }
}
