package dev.lfsfarm.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import dev.lfsfarm.common.zk.ZkPaths;
import dev.lfsfarm.common.zk.ZooKeeperClients;
import dev.lfsfarm.coordinator.ha.HaSettings;
import dev.lfsfarm.coordinator.server.CoordinatorServer;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildRecord;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.CheckpointServiceGrpc;
import dev.lfsfarm.proto.v1.CollectGarbageRequest;
import dev.lfsfarm.proto.v1.CollectGarbageResponse;
import dev.lfsfarm.proto.v1.CreateCheckpointRequest;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.GetCheckpointRequest;
import dev.lfsfarm.proto.v1.ListCheckpointsRequest;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints with the ZooKeeper registry: a checkpoint is a znode the next leader reads, and
 * garbage collection never removes a registered build's request, which lives in the artifact store.
 */
class ZkCheckpointGarbageCollectionTest {
    private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private TestingServer zk;
    private CoordinatorServer server;
    private ManagedChannel channel;

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = new TestingServer(true);
    }

    @AfterEach
    void stop() throws Exception {
        stopCoordinator();
        zk.close();
    }

    private void startCoordinator() throws Exception {
        String address = InProcessServerBuilder.generateName();
        server = CoordinatorServer.startHa(
                InProcessServerBuilder.forName(address),
                new HaSettings(zk.getConnectString(), java.time.Duration.ofSeconds(4), "c1", address, ""),
                dir.resolve("state"),
                dir.resolve("artifacts"),
                TestFarm.SETTINGS);
        channel = InProcessChannelBuilder.forName(address).build();
        await("the coordinator to lead", server::isLeading);
    }

    private void stopCoordinator() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
            channel = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(20); // polling interval of a deadline-bounded wait
        }
    }

    private CheckpointServiceGrpc.CheckpointServiceBlockingStub checkpoints() {
        return CheckpointServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private BuildServiceGrpc.BuildServiceBlockingStub builds() {
        return BuildServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private Build awaitSucceeded(String id) throws InterruptedException {
        Build[] last = new Build[1];
        await("build " + id + " to succeed", () -> {
            last[0] = builds().getBuild(
                            GetBuildRequest.newBuilder().setBuildId(id).build())
                    .getBuild();
            return last[0].getState() == BuildState.BUILD_STATE_SUCCEEDED;
        });
        return last[0];
    }

    private String specSha256(String buildId) throws Exception {
        try (CuratorFramework client =
                ZooKeeperClients.start(zk.getConnectString(), java.time.Duration.ofSeconds(10))) {
            assertThat(ZooKeeperClients.awaitConnected(client, WAIT)).isTrue();
            return BuildRecord.parseFrom(client.getData().forPath(ZkPaths.buildMeta(buildId)))
                    .getSpecSha256();
        }
    }

    private void ageEverything() throws Exception {
        FileTime old = FileTime.from(Instant.now().minus(2, ChronoUnit.HOURS));
        try (Stream<Path> files = Files.walk(dir.resolve("artifacts/cas"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(f, old);
            }
        }
    }

    @Test
    void theRequestsOfRegisteredBuildsSurviveGarbageCollectionAndCheckpointsSurviveATakeover() throws Exception {
        SubmitBuildRequest request;
        try (TestFarm helper = new TestFarm(dir.resolve("books"))) {
            request = helper.request(CheckpointServiceTest::chainAndLoner).toBuilder()
                    .setRequestId("req-1")
                    .build();
        }
        startCoordinator();
        String id = builds().submitBuild(request).getBuildId();
        FakeWorker w = new FakeWorker(channel, dir.resolve("w"), "w", "instance-1");
        w.connect();
        for (int i = 0; i < 4; i++) {
            assertThat(w.succeed(w.awaitAssign()).getAccepted()).isTrue();
        }
        awaitSucceeded(id);
        w.close();
        checkpoints()
                .createCheckpoint(CreateCheckpointRequest.newBuilder()
                        .setName("older")
                        .setBuildId(id)
                        .setUpto("a")
                        .build());
        Checkpoint kept = checkpoints()
                .createCheckpoint(CreateCheckpointRequest.newBuilder()
                        .setName("newer")
                        .setBuildId(id)
                        .build())
                .getCheckpoint();
        String spec = specSha256(id);
        assertThat(server.artifacts().contains(spec))
                .as("the request is a blob of the artifact store")
                .isTrue();
        ageEverything();

        CollectGarbageResponse gc = checkpoints()
                .collectGarbage(CollectGarbageRequest.newBuilder()
                        .setKeepCheckpoints(1)
                        .setMinAge(Duration.getDefaultInstance())
                        .build());

        assertThat(gc.getDeletedCheckpointsList()).containsExactly("older");
        assertThat(gc.getBlobsRemoved())
                .as("only the older checkpoint's entry list")
                .isEqualTo(1);
        assertThat(server.artifacts().contains(spec))
                .as("the registered build's request")
                .isTrue();

        stopCoordinator();
        startCoordinator();
        assertThat(checkpoints()
                        .listCheckpoints(ListCheckpointsRequest.getDefaultInstance())
                        .getCheckpointsList())
                .extracting(Checkpoint::getName)
                .containsExactly("newer");
        assertThat(checkpoints()
                        .getCheckpoint(GetCheckpointRequest.newBuilder()
                                .setName("newer")
                                .build())
                        .getCheckpoint()
                        .getEntriesList())
                .isEqualTo(kept.getEntriesList());
        assertThat(builds().getBuild(GetBuildRequest.newBuilder().setBuildId(id).build())
                        .getBuild()
                        .getState())
                .as("the next leader restores the build from its request")
                .isEqualTo(BuildState.BUILD_STATE_SUCCEEDED);
    }
}
