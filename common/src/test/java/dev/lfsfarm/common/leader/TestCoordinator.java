package dev.lfsfarm.common.leader;

import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.GetBuildResponse;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A coordinator double on loopback: GetBuild answers with a build whose id is this server's name
 * while it leads, and with a standby's FAILED_PRECONDITION and farm-leader trailer otherwise.
 */
final class TestCoordinator implements AutoCloseable {
    final String name;
    final AtomicInteger calls = new AtomicInteger();
    private volatile String standbyFor;
    private final Server server;
    private final String address;

    private TestCoordinator(String name) throws IOException {
        this.name = name;
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Service())
                .build()
                .start();
        this.address = "127.0.0.1:" + server.getPort();
    }

    static TestCoordinator start(String name) throws IOException {
        return new TestCoordinator(name);
    }

    String address() {
        return address;
    }

    /** From now on answers as a standby naming {@code leader} (null: leads again). */
    TestCoordinator standBy(String leader) {
        standbyFor = leader;
        return this;
    }

    /** Asks {@code channel} which coordinator answered GetBuild. */
    static String whoAnswers(io.grpc.Channel channel) {
        return BuildServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getBuild(GetBuildRequest.newBuilder().setBuildId("b").build())
                .getBuild()
                .getBuildId();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** Waits until {@code value} gives a non-null result; fails after {@code timeout}. */
    static <T> T await(String what, Duration timeout, Supplier<T> value) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T v = value.get();
            if (v != null) {
                return v;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            LockSupport.parkNanos(20_000_000L);
        }
    }

    private final class Service extends BuildServiceGrpc.BuildServiceImplBase {
        @Override
        public void getBuild(GetBuildRequest request, StreamObserver<GetBuildResponse> response) {
            calls.incrementAndGet();
            String leader = standbyFor;
            if (leader != null) {
                Metadata trailers = new Metadata();
                trailers.put(CoordinatorLocator.LEADER_TRAILER, leader);
                response.onError(Status.FAILED_PRECONDITION
                        .withDescription("not the leader; leader is " + leader + " (epoch 2)")
                        .asRuntimeException(trailers));
                return;
            }
            response.onNext(GetBuildResponse.newBuilder()
                    .setBuild(Build.newBuilder().setBuildId(name))
                    .build());
            response.onCompleted();
        }
    }
}
