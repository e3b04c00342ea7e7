package dev.lfsfarm.coordinator.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.zk.ZkPaths;
import dev.lfsfarm.common.zk.ZooKeeperClients;
import dev.lfsfarm.coordinator.state.BuildStateStore;
import dev.lfsfarm.coordinator.state.FencedException;
import dev.lfsfarm.coordinator.state.SpecBlobs;
import dev.lfsfarm.coordinator.state.ZkBuildStateStore;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ZooKeeper registry against a real ZooKeeper: what it writes, how it splits, how the fence holds. */
class ZkRegistryTest {
    private TestingServer zk;
    private CuratorFramework client;
    private final Map<String, byte[]> blobs = new HashMap<>();
    private final SpecBlobs specs = new SpecBlobs() {
        @Override
        public String put(byte[] bytes) {
            String sha = dev.lfsfarm.common.artifact.Sha256.of(bytes);
            blobs.put(sha, bytes);
            return sha;
        }

        @Override
        public byte[] get(String sha256) throws IOException {
            byte[] b = blobs.get(sha256);
            if (b == null) {
                throw new IOException("no blob " + sha256);
            }
            return b;
        }
    };

    @BeforeEach
    void start() throws Exception {
        zk = new TestingServer(true);
        client = ZooKeeperClients.start(zk.getConnectString(), Duration.ofSeconds(5));
        ZkBuildStateStore.ensureLayout(client);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        zk.close();
    }

    private static Build build(String id, int packages) {
        Build.Builder b = Build.newBuilder()
                .setBuildId(id)
                .setState(BuildState.BUILD_STATE_QUEUED)
                .setBookName("book");
        for (int i = 0; i < packages; i++) {
            b.addPackages(
                    PackageStatus.newBuilder().setPackageId("p" + i).setState(PackageState.PACKAGE_STATE_WAITING));
        }
        return b.build();
    }

    private static SubmitBuildRequest spec() {
        return SubmitBuildRequest.newBuilder()
                .setRequestId("r1")
                .setSubmitter("test")
                .build();
    }

    @Test
    void onlyStatesThatMatterAreWrittenAndTheyComeBack() throws Exception {
        EpochFence fence = EpochFence.claim(client);
        ZkBuildStateStore store = new ZkBuildStateStore(fence, specs);
        store.created(spec(), build("b1", 3));
        assertThat(client.getChildren().forPath(ZkPaths.tasks("b1")))
                .as("WAITING packages need no node")
                .isEmpty();
        Digest artifact =
                Digest.newBuilder().setSha256("ab".repeat(32)).setSizeBytes(10).build();
        store.packagesChanged(
                "b1",
                List.of(
                        PackageStatus.newBuilder()
                                .setPackageId("p0")
                                .setState(PackageState.PACKAGE_STATE_READY)
                                .build(),
                        PackageStatus.newBuilder()
                                .setPackageId("p1")
                                .setState(PackageState.PACKAGE_STATE_RUNNING)
                                .setAttemptId("1-1")
                                .setWorker("w")
                                .build()));
        store.packagesChanged(
                "b1",
                List.of(PackageStatus.newBuilder()
                        .setPackageId("p1")
                        .setState(PackageState.PACKAGE_STATE_SUCCEEDED)
                        .setArtifact(artifact)
                        .build()));
        store.buildChanged(build("b1", 0).toBuilder()
                .setState(BuildState.BUILD_STATE_RUNNING)
                .build());

        List<BuildStateStore.StoredBuild> loaded = new ZkBuildStateStore(EpochFence.claim(client), specs).loadAll();
        assertThat(loaded).hasSize(1);
        assertThat(loaded.get(0).spec()).isEqualTo(spec());
        assertThat(loaded.get(0).build().getState()).isEqualTo(BuildState.BUILD_STATE_RUNNING);
        assertThat(loaded.get(0).build().getPackagesList())
                .extracting(PackageStatus::getPackageId)
                .containsExactly("p1");
        assertThat(loaded.get(0).build().getPackages(0).getArtifact()).isEqualTo(artifact);
        assertThat(fence.counts().transactions()).isEqualTo(4);
    }

    @Test
    void aThousandPackageBatchIsSplitFarBelowTheZooKeeperLimit() throws Exception {
        EpochFence fence = EpochFence.claim(client);
        ZkBuildStateStore store = new ZkBuildStateStore(fence, specs);
        store.created(spec(), build("big", 0));
        List<PackageStatus> skipped = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            skipped.add(PackageStatus.newBuilder()
                    .setPackageId("p" + i)
                    .setState(PackageState.PACKAGE_STATE_SKIPPED)
                    .setSkippedBecause("p0")
                    .setLogTail("x".repeat(5000))
                    .build());
        }
        long before = fence.counts().transactions();
        store.packagesChanged("big", skipped);
        long transactions = fence.counts().transactions() - before;
        // at most 200 nodes and 256 KiB per transaction: ~2 MB of statuses take 8 or so, not one of 2 MB
        assertThat(transactions).isBetween(5L, 12L);
        assertThat(fence.counts().bytes() / fence.counts().transactions()).isLessThan(256 * 1024);
        assertThat(client.getChildren().forPath(ZkPaths.tasks("big"))).hasSize(1000);
        Stat stat = client.checkExists().forPath(ZkPaths.task("big", "p7"));
        assertThat(stat.getDataLength())
                .as("log tails are cut to keep znodes small")
                .isLessThan(2300);
    }

    @Test
    void aDeposedLeaderCannotWriteAnythingAgain() throws Exception {
        EpochFence old = EpochFence.claim(client);
        ZkBuildStateStore store = new ZkBuildStateStore(old, specs);
        store.created(spec(), build("b1", 0));
        boolean[] told = {false};
        old.onBroken(() -> told[0] = true);

        EpochFence newer = EpochFence.claim(client);
        assertThat(newer.epoch()).isEqualTo(old.epoch() + 1);
        assertThatThrownBy(() -> store.created(spec(), build("b2", 0)))
                .isInstanceOf(FencedException.class)
                .hasMessageContaining("a newer leader exists");
        assertThat(told[0]).isTrue();
        assertThat(client.checkExists().forPath(ZkPaths.build("b2")))
                .as("nothing of the refused write landed")
                .isNull();
        assertThatThrownBy(() -> store.buildChanged(build("b1", 0).toBuilder()
                        .setState(BuildState.BUILD_STATE_FAILED)
                        .build()))
                .isInstanceOf(FencedException.class)
                .hasMessageContaining("fenced off");
        assertThat(new ZkBuildStateStore(newer, specs).loadAll().get(0).build().getState())
                .isEqualTo(BuildState.BUILD_STATE_QUEUED);
    }

    @Test
    void historiesAndCalibrationsAreFencedNodesThatANewLeaderReads() throws Exception {
        EpochFence old = EpochFence.claim(client);
        ZkBuildStateStore store = new ZkBuildStateStore(old, specs);
        dev.lfsfarm.proto.v1.PackageHistory.Builder h =
                dev.lfsfarm.proto.v1.PackageHistory.newBuilder().setPackageId("gcc");
        for (int i = 0; i < BuildStateStore.HISTORY_KEPT; i++) {
            h.addRecords(dev.lfsfarm.proto.v1.AttemptRecord.newBuilder()
                    .setPackageId("gcc")
                    .setBuildId("b" + i)
                    .setAttemptId("1-" + i)
                    .setWorker("worker-1")
                    .setWallSeconds(100 + i)
                    .setSecondsPerSbu(10)
                    .setCores(4)
                    .setSbu(10 + i / 10.0)
                    .setBookSbu(46));
            store.historyChanged(h.build()); // the first write creates the node, the next ones replace it
        }
        store.calibrated(dev.lfsfarm.proto.v1.WorkerCalibration.newBuilder()
                .setWorker("worker-1")
                .setSecondsPerSbu(42)
                .build());
        Stat stat = client.checkExists().forPath(ZkPaths.history("gcc"));
        assertThat(stat.getDataLength())
                .as("a full history stays a small znode")
                .isLessThan(4096);

        EpochFence newer = EpochFence.claim(client);
        assertThatThrownBy(() -> store.historyChanged(h.build())).isInstanceOf(FencedException.class);
        assertThatThrownBy(() -> store.calibrated(dev.lfsfarm.proto.v1.WorkerCalibration.newBuilder()
                        .setWorker("worker-2")
                        .setSecondsPerSbu(1)
                        .build()))
                .isInstanceOf(FencedException.class);
        assertThat(client.checkExists().forPath(ZkPaths.calibration("worker-2")))
                .isNull();

        ZkBuildStateStore next = new ZkBuildStateStore(newer, specs);
        assertThat(next.loadHistories()).containsOnlyKeys("gcc");
        assertThat(next.loadHistories().get("gcc")).isEqualTo(h.build());
        assertThat(next.loadCalibrations())
                .extracting(c -> c.getSecondsPerSbu())
                .containsExactly(42.0);
    }
}
