package dev.lfsfarm.cli.it;

import dev.lfsfarm.common.zk.ActiveLeader;
import dev.lfsfarm.common.zk.ZkPaths;
import dev.lfsfarm.common.zk.ZooKeeperClients;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;

/**
 * An HA farm on loopback for one test: a 3-member ZooKeeper ensemble of {@code farm zk} JVMs, two
 * coordinator JVMs that join the election, and worker JVMs that find the leader through
 * ZooKeeper. The test reads ZooKeeper (who leads) and asks the leader over gRPC (build state).
 * {@link #close()} kills everything and keeps every output under {@code target/it-logs/<test>/}.
 */
final class HaFarm implements AutoCloseable {
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(4);
    static final Duration WAIT = Duration.ofSeconds(120);

    /** A coordinator's log line naming the address it got (it listens on port 0). */
    private static final Pattern LISTENING = Pattern.compile("listening on \\S*:(\\d+)");

    private final Path dir;
    private final String testName;
    private final List<FarmProcess> zk = new ArrayList<>();
    private final Map<String, FarmProcess> coordinators = new LinkedHashMap<>();
    private final Map<String, String> addresses = new LinkedHashMap<>();
    private final Map<String, FarmProcess> workers = new LinkedHashMap<>();
    private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
    private String connect;
    private CuratorFramework client;

    HaFarm(Path dir, String testName) {
        this.dir = dir.toAbsolutePath();
        this.testName = testName;
    }

    String connect() {
        return connect;
    }

    Path artifactDir() {
        return dir.resolve("artifacts");
    }

    /** Starts three {@code farm zk} members and waits until the ensemble takes writes. */
    HaFarm startEnsemble() {
        int[] ports = LoopbackPorts.free(9);
        List<String> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            members.add("127.0.0.1:" + ports[3 + 2 * i] + ":" + ports[4 + 2 * i]);
        }
        for (int id = 1; id <= 3; id++) {
            zk.add(start(
                    "zk" + id,
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
                            String.join(",", members),
                            "--tick-ms",
                            "500")));
        }
        connect = java.util.Arrays.stream(ports, 0, 3)
                .mapToObj(p -> "127.0.0.1:" + p)
                .collect(Collectors.joining(","));
        client = ZooKeeperClients.start(connect, Duration.ofSeconds(10));
        await("the ensemble takes writes", () -> {
            try {
                client.create().orSetData().creatingParentsIfNeeded().forPath("/it/ready");
                return true;
            } catch (Exception e) {
                return null;
            }
        });
        return this;
    }

    List<FarmProcess> ensemble() {
        return zk;
    }

    /**
     * Starts coordinator {@code name} (lease 4 s, session timeout 4 s) on port 0 of loopback; it
     * advertises the port it got, which {@link #address} reads from its log.
     */
    FarmProcess startCoordinator(String name) {
        String address = "127.0.0.1:0";
        FarmProcess p = start(
                name,
                List.of(
                        "coordinator",
                        "--zk",
                        connect,
                        "--listen",
                        address,
                        "--advertise",
                        address,
                        "--name",
                        name,
                        "--state-dir",
                        dir.resolve(name).toString(),
                        "--artifact-dir",
                        artifactDir().toString(),
                        "--lease-timeout",
                        "4",
                        "--heartbeat",
                        "0.5",
                        "--session-timeout",
                        Long.toString(SESSION_TIMEOUT.toSeconds())));
        coordinators.put(name, p);
        return p;
    }

    FarmProcess coordinator(String name) {
        return coordinators.get(name);
    }

    /** {@code 127.0.0.1:PORT} of a coordinator: waits until it logs the port it listens on. */
    String address(String coordinator) {
        return addresses.computeIfAbsent(coordinator, name -> {
            FarmProcess p = coordinators.get(name);
            if (p == null) {
                throw new IllegalArgumentException("no coordinator " + name + " started");
            }
            return await(name + " logs the port it listens on", () -> {
                Matcher m = LISTENING.matcher(p.output());
                if (m.find()) {
                    return "127.0.0.1:" + m.group(1);
                }
                if (!p.isAlive()) {
                    throw new AssertionError(p + " exited before it listened\n" + diagnostics());
                }
                return null;
            });
        });
    }

    /** Starts a worker (2 slots, 1 core each) that finds the leader through ZooKeeper. */
    FarmProcess startWorker(String name) {
        FarmProcess p = start(
                name,
                List.of(
                        "worker",
                        "--zk",
                        connect,
                        "--name",
                        name,
                        "--slots",
                        "2",
                        "--cores",
                        "2",
                        "--memory-mb",
                        "2048",
                        "--work-dir",
                        dir.resolve("work-" + name).toString()));
        workers.put(name, p);
        return p;
    }

    FarmProcess worker(String name) {
        return workers.get(name);
    }

    /** The leader as {@code /farm/leader/active} says, if any. */
    Optional<ActiveLeader> leader() {
        try {
            return ActiveLeader.parse(client.getData().forPath(ZkPaths.active()));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    ActiveLeader awaitLeader(String why, java.util.function.Predicate<ActiveLeader> which) {
        return await(why, () -> leader().filter(which).orElse(null));
    }

    CuratorFramework zooKeeper() {
        return client;
    }

    /** The build as the current leader reports it; null while no leader answers. */
    Build build(String buildId) {
        Optional<ActiveLeader> leader = leader();
        if (leader.isEmpty()) {
            return null;
        }
        ManagedChannel channel = channels.computeIfAbsent(
                leader.get().grpcAddress(),
                a -> NettyChannelBuilder.forTarget(a)
                        .usePlaintext()
                        .maxInboundMessageSize(64 << 20)
                        .build());
        try {
            return BuildServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .getBuild(GetBuildRequest.newBuilder().setBuildId(buildId).build())
                    .getBuild();
        } catch (StatusRuntimeException e) {
            return null; // a standby, a deposed leader, or one still starting: ask again
        }
    }

    /** Runs {@code farm ARGS} as its own JVM against coordinator {@code name} and returns what it did. */
    CliResult cli(String coordinator, String... args) {
        List<String> full = new ArrayList<>(List.of(args));
        full.add("--coordinator");
        full.add(address(coordinator));
        Path out = dir.resolve("logs").resolve("cli-" + System.nanoTime() + ".out");
        Path err = out.resolveSibling(out.getFileName() + ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(FarmProcess.command(full))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(FarmProcess.devNull()));
            FarmProcess.cleanEnvironment(builder.environment());
            Process p = builder.start();
            if (!p.waitFor(Farm.CLI_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("farm " + full + " did not finish");
            }
            return new CliResult(String.join(" ", full), p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Sends SIGSTOP or SIGCONT to a process. */
    static void signal(FarmProcess p, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new AssertionError("kill -" + signal + " " + p.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Polls {@code probe} until it returns non-null; fails after {@link #WAIT} with the processes' tails. */
    <T> T await(String what, Supplier<T> probe) {
        return await(what, WAIT, probe);
    }

    <T> T await(String what, Duration timeout, Supplier<T> probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "timed out after " + timeout.toSeconds() + " s waiting for " + what + "\n" + diagnostics());
            }
            try {
                TimeUnit.MILLISECONDS.sleep(100); // polling interval of a deadline-bounded wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    String diagnostics() {
        StringBuilder s = new StringBuilder();
        for (FarmProcess p : all()) {
            s.append("---- ")
                    .append(p.name())
                    .append(p.isAlive() ? "" : " (exited)")
                    .append(" ----\n")
                    .append(Farm.tail(p.output(), 2500))
                    .append('\n');
        }
        return s.toString();
    }

    private List<FarmProcess> all() {
        List<FarmProcess> all = new ArrayList<>(zk);
        all.addAll(coordinators.values());
        all.addAll(workers.values());
        return all;
    }

    private FarmProcess start(String name, List<String> args) {
        try {
            Files.createDirectories(dir.resolve("logs"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return FarmProcess.start(name, dir.resolve("logs").resolve(name + ".log"), args);
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        if (client != null) {
            client.close();
        }
        List<FarmProcess> all = all();
        java.util.Collections.reverse(all);
        for (FarmProcess p : all) {
            signalQuietly(p);
            p.cleanUp();
        }
        Path keep = Path.of("target", "it-logs", testName);
        try {
            Files.createDirectories(keep);
            try (var files = Files.list(dir.resolve("logs"))) {
                for (Path f : files.toList()) {
                    Files.copy(f, keep.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            // diagnostics only
        }
    }

    /** A stopped process cannot die of SIGKILL until it is continued. */
    private static void signalQuietly(FarmProcess p) {
        try {
            new ProcessBuilder("kill", "-CONT", Long.toString(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // already gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
