package dev.lfsfarm.cli.serve;

import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.cli.remote.CoordinatorOptions;
import dev.lfsfarm.cli.remote.Submission;
import dev.lfsfarm.common.leader.LeaderChannel;
import dev.lfsfarm.common.leader.ZooKeeperLeaderDiscovery;
import dev.lfsfarm.coordinator.ha.HaSettings;
import dev.lfsfarm.coordinator.server.CoordinatorServer;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import dev.lfsfarm.worker.agent.WorkerAgent;
import dev.lfsfarm.worker.agent.WorkerLaunch;
import dev.lfsfarm.worker.agent.WorkerSettings;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code farm local}: a coordinator and N workers in this process, one build, then exit. */
@Command(
        name = "local",
        mixinStandardHelpOptions = true,
        description = {
            "Build a book on a farm started in this process, then exit.",
            "A coordinator listens on loopback and N workers each get their own work folder.",
            "Prints the summary and exits 0 when every package succeeded.",
            "State, artifacts and caches stay in --dir, so running it again reuses what was built."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm local examples/demo --workers 2",
            "  farm local examples/demo kvtool --profile quick --no-cache"
        })
public final class LocalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "BOOK", description = "Book folder.")
    Path book;

    @Parameters(
            index = "1..*",
            arity = "0..*",
            paramLabel = "TARGET",
            description = "Packages to build (default: all).")
    List<String> targets = new ArrayList<>();

    @Option(
            names = {"-w", "--workers"},
            paramLabel = "N",
            defaultValue = "2",
            description = "Workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            defaultValue = "${env:FARM_LOCAL_DIR:-farm-local}",
            description = "State, artifacts and work folders (FARM_LOCAL_DIR; default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--profile", paramLabel = "NAME", description = "Book profile.")
    String profile;

    @Option(names = "--no-cache", description = "Build every package even when an identical result exists.")
    boolean noCache;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text or json.")
    dev.lfsfarm.cli.remote.Output.Format output;

    @Mixin
    HttpOptions http;

    @Override
    public Integer call() throws Exception {
        if (workers < 1) {
            throw new UsageException("--workers must be at least 1");
        }
        Submission submission = Submission.prepare(book, targets, profile, noCache, false);
        quietServers();
        Path root = dir.toAbsolutePath();
        PrintWriter err = spec.commandLine().getErr();
        http.address(); // a malformed --http is a usage error before anything starts
        // Closed last (resources close in reverse): the coordinator and workers share its registry.
        try (ServedMetrics metrics = ServedMetrics.open(http);
                EmbeddedZooKeeper zk =
                        EmbeddedZooKeeper.start(new InetSocketAddress("127.0.0.1", 0), root.resolve("zk"));
                CoordinatorServer coordinator = CoordinatorServer.startHa(
                        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                        new HaSettings(
                                zk.connectString(),
                                Duration.ofSeconds(10),
                                "local",
                                "127.0.0.1:0",
                                metrics.advertisedAddress()),
                        root.resolve("state"),
                        root.resolve("artifacts"),
                        CoordinatorCommand.settings(10, 1, 2, 64),
                        metrics.registry())) {
            metrics.attach(coordinator.metrics()::refresh, coordinator.metrics()::health);
            awaitLeadership(coordinator);
            String address = "127.0.0.1:" + coordinator.port();
            List<WorkerAgent> agents = new ArrayList<>();
            List<ManagedChannel> channels = new ArrayList<>();
            List<LeaderChannel> leaders = new ArrayList<>();
            try {
                startWorkers(zk.connectString(), root, agents, leaders, metrics);
                err.println("farm: local farm at " + address + " (ZooKeeper " + zk.connectString() + ") with " + workers
                        + " workers; state in " + root);
                ManagedChannel channel =
                        NettyChannelBuilder.forTarget(address).usePlaintext().build();
                channels.add(channel);
                BuildServiceGrpc.BuildServiceBlockingStub stub = BuildServiceGrpc.newBlockingStub(channel);
                SubmitBuildResponse response = submission.submit(stub, channel);
                boolean json = output == dev.lfsfarm.cli.remote.Output.Format.JSON;
                Build result = Submission.follow(stub, response, err, json);
                int code = Submission.report(result, spec.commandLine().getOut(), json);
                err.println(
                        "farm: artifacts in " + root.resolve("artifacts") + ", logs in " + root.resolve("state/logs"));
                err.println("farm: per package: farm artifact get / farm logs " + response.getBuildId()
                        + " PKG (with --coordinator " + address + " while a farm runs there)");
                err.flush();
                return code;
            } finally {
                agents.forEach(WorkerAgent::close);
                leaders.forEach(LeaderChannel::close);
                channels.forEach(CoordinatorOptions::close);
            }
        }
    }

    /**
     * The coordinator and workers run in this process and would log every package at INFO, over
     * the progress line; the build's own progress says the same. FARM_LOG_LEVEL brings them back.
     */
    private static void quietServers() {
        if (System.getenv("FARM_LOG_LEVEL") == null
                && org.slf4j.LoggerFactory.getLogger("dev.lfsfarm") instanceof ch.qos.logback.classic.Logger farm) {
            farm.setLevel(ch.qos.logback.classic.Level.WARN);
        }
    }

    /** The embedded farm takes the same path as a cluster: elected through ZooKeeper, found through it. */
    private static void awaitLeadership(CoordinatorServer coordinator) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!coordinator.isLeading()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the local coordinator was not elected within 30 s");
            }
            Thread.sleep(20); // polling interval of a deadline-bounded wait
        }
    }

    private void startWorkers(
            String zkConnect, Path root, List<WorkerAgent> agents, List<LeaderChannel> leaders, ServedMetrics metrics)
            throws Exception {
        int hostCores = Runtime.getRuntime().availableProcessors();
        int cores = Math.max(1, hostCores / workers);
        long memory = WorkerLaunch.hostMemoryBytes(root);
        int memoryMb = (int) Math.max(256, memory * 0.8 / workers / (1 << 20));
        for (int i = 1; i <= workers; i++) {
            Path workDir = Files.createDirectories(root.resolve("worker-" + i));
            WorkerSettings settings = new WorkerSettings(
                    "local-" + i, cores, cores, memoryMb, Map.of(), workDir, true, 0, Duration.ofSeconds(2));
            LeaderChannel leader =
                    LeaderChannel.open(ZooKeeperLeaderDiscovery.start(zkConnect, Duration.ofSeconds(30)));
            leaders.add(leader);
            agents.add(WorkerLaunch.start(settings, leader, metrics.registry()));
        }
    }
}
