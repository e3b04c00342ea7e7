package dev.lfsfarm.common.leader;

import static dev.lfsfarm.common.leader.TestCoordinator.await;
import static dev.lfsfarm.common.leader.TestCoordinator.whoAnswers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.lfsfarm.common.zk.ActiveLeader;
import dev.lfsfarm.common.zk.ZkPaths;
import dev.lfsfarm.common.zk.ZooKeeperClients;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The leader record in a real (test) ZooKeeper, rewritten as a failover would; clients follow it. */
class ZooKeeperLeaderDiscoveryTest {
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final List<AutoCloseable> closing = new ArrayList<>();
    private TestingServer zk;
    private CuratorFramework writer;

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = new TestingServer(true);
        writer = ZooKeeperClients.start(zk.getConnectString(), Duration.ofSeconds(10));
    }

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        writer.close();
        zk.close();
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closing.add(c);
        return c;
    }

    private void publish(long epoch, String address) throws Exception {
        byte[] record = new ActiveLeader(epoch, address, "", "coordinator-" + epoch).toBytes();
        if (writer.checkExists().forPath(ZkPaths.active()) == null) {
            writer.create()
                    .creatingParentsIfNeeded()
                    .withMode(CreateMode.EPHEMERAL)
                    .forPath(ZkPaths.active(), record);
        } else {
            writer.setData().forPath(ZkPaths.active(), record);
        }
    }

    @Test
    void theChannelFollowsTheLeaderRecord() throws Exception {
        TestCoordinator a = closeLater(TestCoordinator.start("a"));
        TestCoordinator b = closeLater(TestCoordinator.start("b"));
        publish(1, a.address());
        ZooKeeperLeaderDiscovery discovery =
                ZooKeeperLeaderDiscovery.start(zk.getConnectString(), Duration.ofSeconds(10));
        LeaderChannel channel = closeLater(LeaderChannel.open(discovery));
        assertThat(channel.resolve()).isEqualTo(a.address());
        assertThat(whoAnswers(channel)).isEqualTo("a");

        // Failover: a dies, b takes over and rewrites the record.
        a.close();
        publish(2, b.address());
        StatusRuntimeException broken = catchThrowableOfType(StatusRuntimeException.class, () -> whoAnswers(channel));
        assertThat(channel.failed(a.address(), broken)).isEqualTo(LeaderChannel.Failure.UNREACHABLE);
        String now = await("the channel to move to b", PATIENCE, () -> {
            try {
                String address = channel.resolve();
                return address.equals(b.address()) ? address : null;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertThat(now).isEqualTo(b.address());
        assertThat(whoAnswers(channel)).isEqualTo("b");
        assertThat(discovery.current())
                .hasValueSatisfying(l -> assertThat(l.epoch()).isEqualTo(2));
    }

    @Test
    void aStandbysHintIsUsedUntilTheRecordChanges() throws Exception {
        publish(1, "old:7070");
        ZooKeeperLeaderDiscovery discovery =
                closeLater(ZooKeeperLeaderDiscovery.start(zk.getConnectString(), Duration.ofSeconds(10)));
        assertThat(discovery.next()).isEqualTo("old:7070");
        discovery.redirect("new:7070"); // the standby knows more than our copy of the record
        assertThat(discovery.next()).isEqualTo("new:7070");
        publish(3, "newest:7070");
        await("the record's change to win over the hint", PATIENCE, () -> {
            try {
                return discovery.next().equals("newest:7070") ? true : null;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        discovery.redirect("gone:7070");
        discovery.failed("gone:7070");
        assertThat(discovery.next()).isEqualTo("newest:7070");
    }

    @Test
    void waitsForAnElectionThenSaysThereIsNoLeader() throws Exception {
        ZooKeeperLeaderDiscovery discovery =
                closeLater(ZooKeeperLeaderDiscovery.start(zk.getConnectString(), Duration.ofMillis(1500)));
        assertThatThrownBy(discovery::next)
                .isInstanceOf(NoLeaderException.class)
                .hasMessageContaining("no active coordinator in ZooKeeper " + zk.getConnectString())
                .hasMessageContaining("/farm/leader/active is missing");

        Thread elected = new Thread(() -> {
            try {
                publish(4, "late:7070");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        ZooKeeperLeaderDiscovery patient = closeLater(ZooKeeperLeaderDiscovery.start(zk.getConnectString(), PATIENCE));
        elected.start();
        assertThat(patient.next()).as("next() waits for the election").isEqualTo("late:7070");
        elected.join();
    }

    @Test
    void saysWhenZooKeeperItselfIsOutOfReach() throws Exception {
        // Bound but not listening: connections are refused, and no other process can take the port
        // meanwhile (as it could once a socket that only found a free port is closed).
        Socket closed = closeLater(new Socket());
        closed.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int closedPort = closed.getLocalPort();
        ZooKeeperLeaderDiscovery discovery =
                closeLater(ZooKeeperLeaderDiscovery.start("127.0.0.1:" + closedPort, Duration.ofMillis(500)));
        assertThatThrownBy(discovery::next)
                .isInstanceOf(NoLeaderException.class)
                .hasMessage("ZooKeeper 127.0.0.1:" + closedPort + " is not reachable");
    }
}
