package dev.lfsfarm.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code farm zk} as separate JVMs: a 3-member ensemble keeps accepting writes when one member is
 * killed (SIGKILL) and refuses them when a second is; a standalone server stops cleanly on
 * SIGTERM and keeps its data. Output of every member goes to {@code target/it-logs/<test>/}.
 */
class ZkEnsembleIT {
    /** Short ticks so that a lost quorum is noticed in seconds (sync limit 5 ticks = 2.5 s). */
    private static final String TICK_MS = "500";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

    @TempDir
    Path dir;

    private Path logs;
    private final List<FarmProcess> members = new ArrayList<>();
    private final List<Integer> clientPorts = new ArrayList<>();
    private CuratorFramework client;

    @BeforeEach
    void logFolder(TestInfo test) throws IOException {
        logs = Path.of(System.getProperty("farm.it.logs", "target/it-logs"))
                .resolve(getClass().getSimpleName() + "."
                        + test.getTestMethod().orElseThrow().getName());
        Files.createDirectories(logs);
    }

    @AfterEach
    void stopEverything() {
        if (client != null) {
            client.close();
        }
        for (FarmProcess member : members) {
            member.cleanUp();
        }
    }

    @Test
    void threeMembersTolerateOneFailureAndRefuseWritesWithoutAQuorum() throws Exception {
        int[] ports = LoopbackPorts.free(9);
        String ensemble = "127.0.0.1:" + ports[3] + ":" + ports[4] + ",127.0.0.1:" + ports[5] + ":" + ports[6]
                + ",127.0.0.1:" + ports[7] + ":" + ports[8];
        for (int id = 1; id <= 3; id++) {
            clientPorts.add(ports[id - 1]);
            members.add(FarmProcess.start(
                    "zk" + id,
                    logs.resolve("zk" + id + ".log"),
                    List.of(
                            "zk",
                            "--listen",
                            "127.0.0.1",
                            "--port",
                            Integer.toString(ports[id - 1]),
                            "--data-dir",
                            dir.resolve("zk" + id).toString(),
                            "--id",
                            Integer.toString(id),
                            "--ensemble",
                            ensemble,
                            "--tick-ms",
                            TICK_MS)));
        }
        client = connect(clientPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")));

        String first = await("the ensemble accepts a write", START_TIMEOUT, this::write);
        FarmProcess leader = await("one member reports Mode: leader", START_TIMEOUT, this::leader);

        leader.kill();
        String second = await(
                "a write succeeds with 2 of 3 members, after " + leader.name() + " (the leader) was killed",
                START_TIMEOUT,
                this::write);
        assertThat(client.getData().forPath(first))
                .as("a write from before the failure")
                .isEqualTo(first.getBytes(StandardCharsets.UTF_8));
        FarmProcess newLeader = await("a new leader is elected", START_TIMEOUT, this::leader);
        assertThat(newLeader).isNotSameAs(leader);
        assertThat(client.getData().forPath(second)).isEqualTo(second.getBytes(StandardCharsets.UTF_8));

        // Kill the follower, so that the one left is the leader: a leader alone must not accept writes either.
        FarmProcess follower = members.stream()
                .filter(m -> m != leader && m != newLeader)
                .findFirst()
                .orElseThrow();
        follower.kill();
        CompletableFuture<String> lonely = CompletableFuture.supplyAsync(() -> {
            try {
                return write();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        try {
            String written = lonely.get(30, TimeUnit.SECONDS);
            throw new AssertionError("a write succeeded with 1 of 3 members: " + written + "\n" + diagnostics());
        } catch (ExecutionException e) {
            assertThat(e.getCause()).as("the write fails for want of a quorum").isInstanceOf(KeeperException.class);
        } catch (TimeoutException e) {
            throw new AssertionError(
                    "a write with 1 of 3 members neither failed nor succeeded within 30 s\n" + diagnostics());
        }
        assertThat(newLeader.isAlive())
                .as("the last member keeps running, waiting for its peers")
                .isTrue();
    }

    @Test
    void aStandaloneServerStopsCleanlyOnSigtermAndKeepsItsData() throws Exception {
        int port = LoopbackPorts.free(1)[0];
        clientPorts.add(port);
        List<String> args = List.of(
                "zk",
                "--listen",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--data-dir",
                dir.resolve("zk").toString());
        FarmProcess zk = FarmProcess.start("zk", logs.resolve("zk.log"), args);
        members.add(zk);
        client = connect("127.0.0.1:" + port);
        String written = await("the standalone server accepts a write", START_TIMEOUT, this::write);
        assertThat(ask(port, "srvr")).contains("Mode: standalone");

        zk.stop(Duration.ofSeconds(20));
        assertThat(zk.toString())
                .as("the JVM ended through its SIGTERM handling (143), not a SIGKILL after 20 s (137)")
                .contains("exited 143");
        assertThat(zk.output()).contains("stopping ZooKeeper").doesNotContain("ZooKeeper stopped; see");

        FarmProcess again = FarmProcess.start("zk-again", logs.resolve("zk-again.log"), args);
        members.add(again);
        byte[] data = await(
                "the restarted server serves the earlier write",
                START_TIMEOUT,
                () -> client.getData().forPath(written));
        assertThat(data).isEqualTo(written.getBytes(StandardCharsets.UTF_8));
    }

    /** Creates a new sequential znode holding its own path; returns the path. */
    private String write() throws Exception {
        String path = client.create()
                .creatingParentsIfNeeded()
                .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                .forPath("/it/write-");
        client.setData().forPath(path, path.getBytes(StandardCharsets.UTF_8));
        return path;
    }

    /** The live member whose four-letter {@code srvr} answer says it leads, or null. */
    private FarmProcess leader() {
        for (int i = 0; i < members.size(); i++) {
            FarmProcess member = members.get(i);
            if (member.isAlive() && ask(clientPorts.get(i), "srvr").contains("Mode: leader")) {
                return member;
            }
        }
        return null;
    }

    /** A four-letter command on a client port; empty when the member does not answer. */
    private static String ask(int port, String command) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write(command.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static CuratorFramework connect(String connectString) {
        CuratorFramework c = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .retryPolicy(new RetryOneTime(100))
                .sessionTimeoutMs(10_000)
                .connectionTimeoutMs(3_000)
                .build();
        c.start();
        return c;
    }

    /**
     * Polls {@code probe} until it returns non-null without throwing, or fails at the deadline,
     * naming the condition, the last error and the members' output.
     */
    private <T> T await(String what, Duration timeout, Callable<T> probe) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                T value = probe.call();
                if (value != null) {
                    return value;
                }
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "timed out after " + timeout.toSeconds() + " s waiting until " + what
                                + (last == null ? "" : "\nlast error: " + last) + "\n" + diagnostics(),
                        last);
            }
            Thread.sleep(POLL_INTERVAL.toMillis()); // the poll interval of this await loop, not synchronisation
        }
    }

    private String diagnostics() {
        StringBuilder text = new StringBuilder();
        for (FarmProcess m : members) {
            text.append("--- ")
                    .append(m)
                    .append(", last lines of ")
                    .append(m.outputFile())
                    .append(" ---\n")
                    .append(Farm.tail(m.output(), 3000))
                    .append('\n');
        }
        return text.toString();
    }
}
