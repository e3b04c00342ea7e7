package dev.lfsfarm.coordinator.state;

import static dev.lfsfarm.coordinator.state.Checkpoints.summary;
import static dev.lfsfarm.coordinator.state.Checkpoints.withEntries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.common.zk.ZkPaths;
import dev.lfsfarm.common.zk.ZooKeeperClients;
import dev.lfsfarm.coordinator.ha.EpochFence;
import dev.lfsfarm.proto.v1.Book;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The checkpoint registry in ZooKeeper: small znodes under /farm/checkpoints, one fenced
 * transaction per write, and a name clash or a missing node that never fences the leader off.
 */
class ZkCheckpointRegistryTest {
    private TestingServer zk;
    private CuratorFramework client;
    private final MemoryBlobs blobs = new MemoryBlobs();

    /** The artifact store, as far as the registry needs it. */
    static final class MemoryBlobs implements SpecBlobs {
        final Map<String, byte[]> stored = new ConcurrentHashMap<>();

        @Override
        public String put(byte[] bytes) {
            String sha256 = Sha256.of(bytes);
            stored.put(sha256, bytes.clone());
            return sha256;
        }

        @Override
        public byte[] get(String sha256) throws IOException {
            byte[] bytes = stored.get(sha256);
            if (bytes == null) {
                throw new IOException("no blob " + sha256);
            }
            return bytes;
        }
    }

    @BeforeEach
    void start() throws Exception {
        zk = new TestingServer(true);
        client = ZooKeeperClients.start(zk.getConnectString(), Duration.ofSeconds(10));
        assertThat(ZooKeeperClients.awaitConnected(client, Duration.ofSeconds(20)))
                .as("connected to ZooKeeper")
                .isTrue();
        ZkBuildStateStore.ensureLayout(client);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        zk.close();
    }

    private ZkBuildStateStore leader() throws Exception {
        return new ZkBuildStateStore(EpochFence.claim(client), blobs);
    }

    @Test
    void aCheckpointOfAThousandPackagesIsOneSmallZnodeThatTheNextLeaderReads() throws Exception {
        ZkBuildStateStore first = leader();
        long transactions = first.counts().transactions();
        first.saveCheckpoint(withEntries(summary("chapter8", 200, 'c')));
        first.saveCheckpoint(summary("chapter7", 100, 'd'));

        assertThat(first.counts().transactions() - transactions)
                .as("one transaction per checkpoint")
                .isEqualTo(2);
        Stat stat = client.checkExists().forPath(ZkPaths.checkpoint("chapter8"));
        assertThat(stat).isNotNull();
        assertThat(stat.getDataLength()).as("znode bytes for 1,000 packages").isLessThan(1024);
        assertThat(Checkpoint.parseFrom(client.getData().forPath(ZkPaths.checkpoint("chapter8"))))
                .isEqualTo(summary("chapter8", 200, 'c'));

        ZkBuildStateStore next = leader();
        assertThat(next.listCheckpoints()).extracting(Checkpoint::getName).containsExactly("chapter7", "chapter8");
        assertThat(next.findCheckpoint("chapter8")).contains(summary("chapter8", 200, 'c'));
        assertThat(next.findCheckpoint("chapter6")).isEmpty();
        assertThat(next.deleteCheckpoint("chapter7")).isTrue();
        assertThat(client.checkExists().forPath(ZkPaths.checkpoint("chapter7"))).isNull();
    }

    @Test
    void aTakenNameOrAMissingNodeIsAnAnswerNotALostFence() throws Exception {
        ZkBuildStateStore store = leader();
        store.saveCheckpoint(summary("chapter7", 100, 'c'));

        assertThatThrownBy(() -> store.saveCheckpoint(summary("chapter7", 300, 'd')))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chapter7 already exists");
        assertThat(store.deleteCheckpoint("no-such")).isFalse();

        store.saveCheckpoint(summary("chapter8", 300, 'd'));
        assertThat(store.listCheckpoints()).extracting(Checkpoint::getName).containsExactly("chapter7", "chapter8");
        assertThat(store.findCheckpoint("chapter7")).contains(summary("chapter7", 100, 'c'));
    }

    @Test
    void aDeposedLeaderCanNeitherCreateNorDeleteCheckpoints() throws Exception {
        ZkBuildStateStore deposed = leader();
        deposed.saveCheckpoint(summary("chapter7", 100, 'c'));
        ZkBuildStateStore current = leader();

        assertThatThrownBy(() -> deposed.saveCheckpoint(summary("chapter8", 200, 'd')))
                .isInstanceOf(FencedException.class);
        assertThatThrownBy(() -> deposed.deleteCheckpoint("chapter7")).isInstanceOf(FencedException.class);

        assertThat(current.listCheckpoints()).extracting(Checkpoint::getName).containsExactly("chapter7");
    }

    @Test
    void theRequestBlobsOfRegisteredBuildsAreReportedForGarbageCollection() throws Exception {
        ZkBuildStateStore store = leader();
        SubmitBuildRequest spec = SubmitBuildRequest.newBuilder()
                .setBook(Book.newBuilder().setName("lfs"))
                .setRequestId("r-1")
                .build();
        store.created(
                spec,
                Build.newBuilder()
                        .setBuildId("b-1")
                        .setState(BuildState.BUILD_STATE_QUEUED)
                        .build());

        assertThat(store.specBlobs()).containsExactly(Sha256.of(spec.toByteArray()));
        assertThat(leader().specBlobs())
                .as("read from the registry, not from memory")
                .containsExactly(Sha256.of(spec.toByteArray()));
    }
}
