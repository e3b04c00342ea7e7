package dev.lfsfarm.cli.serve;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.cli.remote.CoordinatorOptions;
import dev.lfsfarm.common.leader.LeaderChannel;
import dev.lfsfarm.worker.agent.WorkerAgent;
import dev.lfsfarm.worker.agent.WorkerLaunch;
import dev.lfsfarm.worker.agent.WorkerSettings;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code farm worker}: a worker agent on this host. */
@Command(
        name = "worker",
        mixinStandardHelpOptions = true,
        description = {
            "Run a worker agent: connect to the leading coordinator and build what it assigns.",
            "Finds the leader in ZooKeeper (--zk) or in a list of coordinators (--coordinator; a standby redirects).",
            "Reconnects with backoff when the coordinator goes away, following a new leader; running builds go on meanwhile."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm worker --zk zk1:2181,zk2:2181,zk3:2181 --name pve1-ct101 --slots 2 --cores 8 --memory-mb 16384 --work-dir /var/lib/farm/work",
            "  farm worker --coordinator farm-a.lan:7070,farm-b.lan:7070 --name pve1-ct102",
            "  farm worker --coordinator localhost:7070 --labels arch=x86_64,kvm=yes --http 0.0.0.0:9101"
        })
public final class WorkerCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(WorkerCommand.class);
    /** How long one look into ZooKeeper waits for an election before the agent backs off and looks again. */
    private static final Duration WAIT_FOR_LEADER = Duration.ofSeconds(5);

    @Mixin
    CoordinatorOptions coordinator;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            defaultValue = "${env:FARM_WORKER_NAME}",
            description = "Unique worker name (FARM_WORKER_NAME; default: the host name).")
    String name;

    @Option(
            names = "--slots",
            paramLabel = "N",
            defaultValue = "${env:FARM_SLOTS:-1}",
            description = "Packages built at once (FARM_SLOTS; default: ${DEFAULT-VALUE}).")
    int slots;

    @Option(
            names = "--cores",
            paramLabel = "N",
            defaultValue = "${env:FARM_CORES}",
            description = "Cores given to builds (FARM_CORES; default: all of this host's).")
    Integer cores;

    @Option(
            names = "--memory-mb",
            paramLabel = "MIB",
            defaultValue = "${env:FARM_MEMORY_MB}",
            description = "Memory given to builds (FARM_MEMORY_MB; default: 80%% of this host's).")
    Integer memoryMb;

    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            defaultValue = "${env:FARM_WORK_DIR:-farm-work}",
            description = "Workspaces and caches (FARM_WORK_DIR; default: ${DEFAULT-VALUE}).")
    Path workDir;

    @Option(
            names = "--labels",
            paramLabel = "KEY=VALUE",
            split = ",",
            description = "Labels recipes can ask for (the arch label is added from this host).")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--keep-failed", description = "Keep the workspace of failed attempts for inspection.")
    boolean keepFailed;

    @Option(
            names = "--sbu-seconds",
            paramLabel = "S",
            defaultValue = "${env:FARM_SBU_SECONDS:-0}",
            description = "This host's seconds per SBU, if calibrated (FARM_SBU_SECONDS).")
    double sbuSeconds;

    @Mixin
    HttpOptions http;

    @Override
    public Integer call() throws Exception {
        WorkerSettings settings = settings();
        CoordinatorOptions.Source source = coordinator.source();
        http.address(); // a malformed --http is a usage error before anything starts
        ServedMetrics metrics = ServedMetrics.open(http);
        LeaderChannel channel = LeaderChannel.open(coordinator.locator(WAIT_FOR_LEADER));
        log.info("looking for the leading coordinator through {} ({})", source.describe(), source.origin());
        WorkerAgent agent;
        try {
            agent = start(settings, channel, metrics.registry());
        } catch (Exception | Error e) {
            channel.close();
            metrics.close();
            throw e;
        }
        metrics.attach(() -> {}, agent::health);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            agent.close();
                            channel.close();
                            metrics.close();
                        },
                        "worker-shutdown"));
        agent.awaitStopped();
        return ExitCodes.OK;
    }

    WorkerSettings settings() throws Exception {
        String workerName =
                name == null || name.isBlank() ? InetAddress.getLocalHost().getHostName() : name;
        int hostCores = Runtime.getRuntime().availableProcessors();
        int memory = memoryMb != null
                ? memoryMb
                : (int) (WorkerLaunch.hostMemoryBytes(workDir.toAbsolutePath()) * 0.8 / (1 << 20));
        if (slots < 1 || (cores != null && cores < 1) || memory < 1) {
            throw new UsageException("--slots, --cores and --memory-mb must be at least 1");
        }
        return new WorkerSettings(
                workerName,
                slots,
                cores == null ? hostCores : cores,
                memory,
                labels,
                workDir.toAbsolutePath(),
                keepFailed,
                sbuSeconds,
                Duration.ofSeconds(10));
    }

    /** Probes the platform, prepares the work dir and connects to the coordinator behind {@code channel}; for {@code farm local}. */
    public static WorkerAgent start(WorkerSettings settings, ManagedChannel channel) throws Exception {
        return start(settings, LeaderChannel.fixed(channel));
    }

    /** Probes the platform, prepares the work dir and connects to the leader {@code coordinators} finds. */
    public static WorkerAgent start(WorkerSettings settings, LeaderChannel coordinators) throws Exception {
        return WorkerLaunch.start(settings, coordinators);
    }

    /** The same, with the agent's meters in {@code registry} (tagged with the worker's name). */
    public static WorkerAgent start(WorkerSettings settings, LeaderChannel coordinators, MeterRegistry registry)
            throws Exception {
        return WorkerLaunch.start(settings, coordinators, registry);
    }
}
