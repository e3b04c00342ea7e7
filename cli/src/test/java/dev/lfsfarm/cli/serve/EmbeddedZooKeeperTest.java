package dev.lfsfarm.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedZooKeeperTest {
    private static final InetSocketAddress ANY_LOOPBACK_PORT =
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @TempDir
    Path dir;

    private static CuratorFramework connect(EmbeddedZooKeeper zk) throws InterruptedException {
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(zk.connectString())
                .retryPolicy(new RetryOneTime(100))
                .sessionTimeoutMs(10_000)
                .connectionTimeoutMs(5_000)
                .build();
        client.start();
        if (!client.blockUntilConnected(10, TimeUnit.SECONDS)) {
            client.close();
            throw new AssertionError("no connection to " + zk.connectString() + " within 10 s");
        }
        return client;
    }

    @Test
    void aClientCreatesAndReadsAZnodeAndCloseReleasesThePort() throws Exception {
        int port;
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(ANY_LOOPBACK_PORT, dir.resolve("zk"))) {
            port = zk.port();
            assertThat(port).isPositive();
            assertThat(zk.connectString()).isEqualTo("127.0.0.1:" + port);
            try (CuratorFramework client = connect(zk)) {
                client.create()
                        .creatingParentsIfNeeded()
                        .forPath("/farm/hello", "world".getBytes(StandardCharsets.UTF_8));
                assertThat(new String(client.getData().forPath("/farm/hello"), StandardCharsets.UTF_8))
                        .isEqualTo("world");
            }
        }
        // Binding the same address again only works once the server has let go of it.
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void dataSurvivesARestartOnTheSameDataDir() throws Exception {
        Path data = dir.resolve("zk");
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(ANY_LOOPBACK_PORT, data);
                CuratorFramework client = connect(zk)) {
            client.create()
                    .creatingParentsIfNeeded()
                    .forPath("/farm/builds/b1", "meta".getBytes(StandardCharsets.UTF_8));
            client.setData().forPath("/farm/builds/b1", "meta v2".getBytes(StandardCharsets.UTF_8));
        }
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(ANY_LOOPBACK_PORT, data);
                CuratorFramework client = connect(zk)) {
            assertThat(new String(client.getData().forPath("/farm/builds/b1"), StandardCharsets.UTF_8))
                    .isEqualTo("meta v2");
            assertThat(client.checkExists().forPath("/farm/builds/b1").getVersion())
                    .isEqualTo(1);
        }
    }

    @Test
    void aBusyPortIsAnErrorAndLeavesNothingRunning() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            InetSocketAddress busy = new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort());
            assertThatThrownBy(() -> EmbeddedZooKeeper.start(busy, dir.resolve("zk")))
                    .isInstanceOf(IOException.class);
        }
        // The data dir is not held open: a server starts on it at once.
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(ANY_LOOPBACK_PORT, dir.resolve("zk"))) {
            assertThat(zk.port()).isPositive();
        }
    }

    @Test
    void connectStringNamesTheBoundAddressOrLoopbackForTheWildcard() {
        assertThat(EmbeddedZooKeeper.connectString(new InetSocketAddress(2181))).isEqualTo("127.0.0.1:2181");
        assertThat(EmbeddedZooKeeper.connectString(new InetSocketAddress("10.1.2.3", 2181)))
                .isEqualTo("10.1.2.3:2181");
        assertThat(EmbeddedZooKeeper.connectString(new InetSocketAddress("::1", 2181)))
                .isEqualTo("[0:0:0:0:0:0:0:1]:2181");
    }
}
