package dev.lfsfarm.cli.serve;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.common.action.ActionKeys;
import dev.lfsfarm.common.zk.ZooKeeperClients;
import dev.lfsfarm.coordinator.dispatch.DispatchSettings;
import dev.lfsfarm.coordinator.ha.HaSettings;
import dev.lfsfarm.coordinator.server.CoordinatorServer;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code farm coordinator}: serves builds, workers and artifacts until stopped. */
@Command(
        name = "coordinator",
        mixinStandardHelpOptions = true,
        description = {
            "Run a coordinator: BuildService, WorkerService and ArtifactService on one gRPC port.",
            "Each flag can also come from the environment variable named in its description."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm coordinator --listen 0.0.0.0:7070 --state-dir /var/lib/farm/state --artifact-dir /var/lib/farm/artifacts",
            "  FARM_LEASE_TIMEOUT=30 farm coordinator --listen :7070 --http 0.0.0.0:9100",
            "  # one of two (or more) coordinators of an HA farm; the artifact dir is shared storage (NFS, CephFS):",
            "  farm coordinator --zk zk1:2181,zk2:2181,zk3:2181 --advertise coord-a.lan:7070 --artifact-dir /mnt/farm/artifacts"
        })
public final class CoordinatorCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorCommand.class);

    @Option(
            names = "--listen",
            paramLabel = "HOST:PORT",
            defaultValue = "${env:FARM_LISTEN:-0.0.0.0:7070}",
            description = "Address to serve on (FARM_LISTEN; default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            defaultValue = "${env:FARM_STATE_DIR:-farm-state}",
            description = "Build state and logs (FARM_STATE_DIR; default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(
            names = "--artifact-dir",
            paramLabel = "DIR",
            defaultValue = "${env:FARM_ARTIFACT_DIR:-farm-artifacts}",
            description =
                    "Content-addressed artifact store; shared storage when several coordinators run (FARM_ARTIFACT_DIR; default: ${DEFAULT-VALUE}).")
    Path artifactDir;

    @Option(
            names = "--lease-timeout",
            paramLabel = "SECONDS",
            defaultValue = "${env:FARM_LEASE_TIMEOUT:-10}",
            description =
                    "A worker silent this long is lost; its packages are requeued (FARM_LEASE_TIMEOUT; default: ${DEFAULT-VALUE}).")
    double leaseSeconds;

    @Option(
            names = "--heartbeat",
            paramLabel = "SECONDS",
            defaultValue = "${env:FARM_HEARTBEAT:-2}",
            description = "How often workers send heartbeats (FARM_HEARTBEAT; default: ${DEFAULT-VALUE}).")
    double heartbeatSeconds;

    @Option(
            names = "--max-requeues",
            paramLabel = "N",
            defaultValue = "${env:FARM_MAX_REQUEUES:-2}",
            description =
                    "Times a package lost with its worker is started again before it fails (FARM_MAX_REQUEUES; default: ${DEFAULT-VALUE}).")
    int maxRequeues;

    @Option(
            names = "--log-cap-mib",
            paramLabel = "MIB",
            defaultValue = "${env:FARM_LOG_CAP_MIB:-64}",
            description = "Log kept per package attempt, the tail (FARM_LOG_CAP_MIB; default: ${DEFAULT-VALUE}).")
    long logCapMib;

    @Option(
            names = "--zk",
            paramLabel = "CONNECT",
            defaultValue = "${env:FARM_ZK}",
            description = {
                "ZooKeeper ensemble, HOST:PORT[,HOST:PORT...][/chroot] (FARM_ZK): join the leader election;",
                "build state goes to the ZooKeeper registry. Without it this coordinator leads alone with state in --state-dir."
            })
    String zk;

    @Option(
            names = "--session-timeout",
            paramLabel = "SECONDS",
            defaultValue = "${env:FARM_ZK_SESSION_TIMEOUT:-10}",
            description =
                    "ZooKeeper session timeout: how long a silent leader keeps leadership (FARM_ZK_SESSION_TIMEOUT; default: ${DEFAULT-VALUE}).")
    double sessionSeconds;

    @Option(
            names = "--advertise",
            paramLabel = "HOST:PORT",
            defaultValue = "${env:FARM_ADVERTISE}",
            description =
                    "Address workers and clients use to reach this coordinator, published in ZooKeeper (FARM_ADVERTISE; default: this host's name and the --listen port).")
    String advertise;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            defaultValue = "${env:FARM_COORDINATOR_NAME}",
            description =
                    "This coordinator's name in the election and in logs (FARM_COORDINATOR_NAME; default: the host name).")
    String name;

    @Option(
            names = "--regression-factor",
            paramLabel = "F",
            defaultValue = "${env:FARM_REGRESSION_FACTOR:-1.5}",
            description =
                    "A package that took more than F times its median is flagged as a regression (FARM_REGRESSION_FACTOR; default: ${DEFAULT-VALUE}).")
    double regressionFactor;

    @Mixin
    HttpOptions http;

    @Override
    public Integer call() throws Exception {
        DispatchSettings settings = settings(leaseSeconds, heartbeatSeconds, maxRequeues, logCapMib, regressionFactor);
        InetSocketAddress bind = HostPort.parse("--listen", listen);
        http.address(); // a malformed --http is a usage error before anything starts
        if (zk != null && !zk.isBlank()) {
            haSettings(bind, ""); // the same for the HA flags
        }
        ServedMetrics metrics = ServedMetrics.open(http);
        CoordinatorServer server;
        try {
            server = start(bind, settings, metrics);
        } catch (Exception | Error e) {
            metrics.close();
            throw e;
        }
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.close();
                            metrics.close(); // after the server: a scrape during shutdown still answers
                        },
                        "coordinator-shutdown"));
        log.info(
                "listening on {}{}",
                listen.substring(0, listen.lastIndexOf(':') + 1) + server.port(), // the port it got for port 0
                metrics.boundAddress()
                        .map(a -> ", metrics on http://" + a.getHostString() + ":" + a.getPort() + "/metrics")
                        .orElse(""));
        server.awaitTermination();
        return ExitCodes.OK;
    }

    private CoordinatorServer start(InetSocketAddress bind, DispatchSettings settings, ServedMetrics metrics)
            throws Exception {
        HaSettings ha = zk == null || zk.isBlank() ? null : haSettings(bind, metrics.advertisedAddress());
        log.info(
                "coordinator config: listen={} state-dir={} artifact-dir={} lease-timeout={}s heartbeat={}s max-requeues={} log-cap={}MiB arch={} regression-factor={} {}",
                listen,
                stateDir.toAbsolutePath(),
                artifactDir.toAbsolutePath(),
                leaseSeconds,
                heartbeatSeconds,
                maxRequeues,
                logCapMib,
                settings.arch(),
                settings.regressionFactor(),
                ha == null
                        ? "zk=(none: leads alone)"
                        : "zk=" + ha.zkConnect() + " session-timeout=" + sessionSeconds + "s advertise="
                                + ha.grpcAddress() + " name=" + ha.name());
        CoordinatorServer server = ha == null
                ? CoordinatorServer.start(
                        NettyServerBuilder.forAddress(bind), stateDir, artifactDir, settings, metrics.registry())
                : CoordinatorServer.startHa(
                        NettyServerBuilder.forAddress(bind), ha, stateDir, artifactDir, settings, metrics.registry());
        metrics.attach(server.metrics()::refresh, server.metrics()::health);
        return server;
    }

    private HaSettings haSettings(InetSocketAddress bind, String httpAddress) throws Exception {
        String problem = ZooKeeperClients.problem(zk);
        if (problem != null) {
            throw new UsageException("--zk " + problem);
        }
        if (sessionSeconds < 1 || sessionSeconds > 600) {
            throw new UsageException("--session-timeout must be between 1 and 600 seconds");
        }
        String host = InetAddress.getLocalHost().getHostName();
        String address = advertise;
        if (address == null || address.isBlank()) {
            address = (bind.getAddress() == null || bind.getAddress().isAnyLocalAddress() ? host : bind.getHostString())
                    + ":" + bind.getPort();
        } else {
            HostPort.parse("--advertise", address);
        }
        String coordinatorName = name == null || name.isBlank() ? host : name;
        return new HaSettings(
                zk.trim(), Duration.ofMillis(Math.round(sessionSeconds * 1000)), coordinatorName, address, httpAddress);
    }

    static DispatchSettings settings(double leaseSeconds, double heartbeatSeconds, int maxRequeues, long logCapMib) {
        return settings(
                leaseSeconds, heartbeatSeconds, maxRequeues, logCapMib, DispatchSettings.DEFAULT_REGRESSION_FACTOR);
    }

    static DispatchSettings settings(
            double leaseSeconds, double heartbeatSeconds, int maxRequeues, long logCapMib, double regressionFactor) {
        if (!(regressionFactor > 1) || Double.isInfinite(regressionFactor)) {
            throw new dev.lfsfarm.cli.UsageException(
                    "--regression-factor must be a number above 1, got " + regressionFactor);
        }
        if (leaseSeconds <= 0 || heartbeatSeconds <= 0 || heartbeatSeconds >= leaseSeconds) {
            throw new dev.lfsfarm.cli.UsageException("--heartbeat must be positive and shorter than --lease-timeout");
        }
        if (maxRequeues < 0 || logCapMib < 1) {
            throw new dev.lfsfarm.cli.UsageException("--max-requeues must be >= 0 and --log-cap-mib >= 1");
        }
        return new DispatchSettings(
                Duration.ofMillis(Math.round(heartbeatSeconds * 1000)),
                Duration.ofMillis(Math.round(leaseSeconds * 1000)),
                maxRequeues,
                logCapMib << 20,
                ActionKeys.localArch(),
                60,
                regressionFactor);
    }
}
