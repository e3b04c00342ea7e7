package dev.lfsfarm.coordinator.server;

import dev.lfsfarm.common.concurrent.DaemonThreadFactory;
import dev.lfsfarm.common.zk.ActiveLeader;
import dev.lfsfarm.common.zk.ZkPaths;
import dev.lfsfarm.common.zk.ZooKeeperClients;
import dev.lfsfarm.coordinator.artifact.ArtifactServiceImpl;
import dev.lfsfarm.coordinator.artifact.ArtifactSpecBlobs;
import dev.lfsfarm.coordinator.artifact.ArtifactStore;
import dev.lfsfarm.coordinator.artifact.StoreResultCache;
import dev.lfsfarm.coordinator.dispatch.DispatchSettings;
import dev.lfsfarm.coordinator.dispatch.Dispatcher;
import dev.lfsfarm.coordinator.ha.HaSettings;
import dev.lfsfarm.coordinator.ha.LeaderElection;
import dev.lfsfarm.coordinator.ha.LeaderGate;
import dev.lfsfarm.coordinator.log.LogStore;
import dev.lfsfarm.coordinator.metrics.CoordinatorMetrics;
import dev.lfsfarm.coordinator.metrics.TimedBuildStateStore;
import dev.lfsfarm.coordinator.service.BuildServiceImpl;
import dev.lfsfarm.coordinator.service.CheckpointServiceImpl;
import dev.lfsfarm.coordinator.service.HistoryServiceImpl;
import dev.lfsfarm.coordinator.service.PeerAddress;
import dev.lfsfarm.coordinator.service.WorkerServiceImpl;
import dev.lfsfarm.coordinator.state.BuildStateStore;
import dev.lfsfarm.coordinator.state.FileBuildStateStore;
import dev.lfsfarm.coordinator.state.ZkBuildStateStore;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingServerInterceptor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running coordinator: BuildService, WorkerService and ArtifactService on one gRPC server built
 * from the {@link ServerBuilder} it is given (Netty on a port in production, in-process in tests).
 *
 * <p>Alone ({@link #start}), it leads at once with its state in files. With ZooKeeper
 * ({@link #startHa}), it joins the leader election: a {@link LeaderGate} in front of every service
 * refuses calls while it stands by, and each term of leadership gets a fresh {@link Dispatcher}
 * over the fenced ZooKeeper registry. Either way a new leader first restores every build.
 *
 * <p>Shuts down in order: leave the election (or interrupt running builds when it is the last
 * coordinator), stop accepting calls and let them drain, stop the dispatcher, close the stores.
 */
public final class CoordinatorServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorServer.class);

    private final Server server;
    private final LeaderGate gate;
    private final AutoCloseable leadership;
    private final ExecutorService logReaders;
    private final ArtifactStore artifacts;
    private final List<AutoCloseable> resources;
    private final CuratorFramework zooKeeper;
    private final CoordinatorMetrics metrics;

    private CoordinatorServer(
            Server server,
            LeaderGate gate,
            AutoCloseable leadership,
            ExecutorService logReaders,
            ArtifactStore artifacts,
            List<AutoCloseable> resources,
            CuratorFramework zooKeeper,
            CoordinatorMetrics metrics) {
        this.metrics = metrics;
        this.server = server;
        this.gate = gate;
        this.leadership = leadership;
        this.logReaders = logReaders;
        this.artifacts = artifacts;
        this.resources = resources;
        this.zooKeeper = zooKeeper;
    }

    /**
     * Starts a coordinator on its own (no ZooKeeper): it leads at once and keeps state in files.
     *
     * @param builder where to serve (e.g. {@code NettyServerBuilder.forAddress(...)} or in-process)
     * @param stateDir build state and logs
     * @param artifactDir the content-addressed artifact store
     */
    public static CoordinatorServer start(
            ServerBuilder<?> builder, Path stateDir, Path artifactDir, DispatchSettings settings) throws IOException {
        return start(builder, stateDir, artifactDir, settings, new SimpleMeterRegistry());
    }

    /** The same, with the coordinator's meters (and its gRPC server's) in {@code registry}. */
    public static CoordinatorServer start(
            ServerBuilder<?> builder,
            Path stateDir,
            Path artifactDir,
            DispatchSettings settings,
            MeterRegistry registry)
            throws IOException {
        ArtifactStore artifacts = openArtifacts(artifactDir);
        BuildStateStore state = TimedBuildStateStore.wrap(new FileBuildStateStore(stateDir), registry);
        LogStore logs = new LogStore(stateDir.resolve("logs"), settings.logCapBytes());
        Dispatcher dispatcher = new Dispatcher(settings, state, new StoreResultCache(artifacts), logs);
        LeaderGate gate = LeaderGate.always(dispatcher); // nothing is served before the restore below
        CoordinatorMetrics metrics = new CoordinatorMetrics(registry, gate, artifacts);
        dispatcher.observe(metrics);
        await(dispatcher.restore(state.loadAll()));
        ExecutorService logReaders = logReaders();
        Server server =
                serve(builder.intercept(new MetricCollectingServerInterceptor(registry)), gate, logReaders, artifacts);
        log.info("coordinator serving (epoch {}, state {}, artifacts {})", dispatcher.epoch(), stateDir, artifactDir);
        AutoCloseable leadership = () -> {
            int n = dispatcher.interruptAll("the coordinator was stopped").get(10, TimeUnit.SECONDS);
            if (n > 0) {
                log.info("{} running builds interrupted; farm resume continues them", n);
            }
        };
        return new CoordinatorServer(
                server, gate, leadership, logReaders, artifacts, List.of(dispatcher, state), null, metrics);
    }

    /**
     * Starts a coordinator that joins the leader election in ZooKeeper. It serves at once (a
     * standby answers with the leader's address) and leads when elected.
     */
    public static CoordinatorServer startHa(
            ServerBuilder<?> builder, HaSettings ha, Path stateDir, Path artifactDir, DispatchSettings settings)
            throws Exception {
        return startHa(builder, ha, stateDir, artifactDir, settings, new SimpleMeterRegistry());
    }

    /** The same, with the coordinator's meters (and its gRPC server's) in {@code registry}. */
    public static CoordinatorServer startHa(
            ServerBuilder<?> builder,
            HaSettings ha,
            Path stateDir,
            Path artifactDir,
            DispatchSettings settings,
            MeterRegistry registry)
            throws Exception {
        ArtifactStore artifacts = openArtifacts(artifactDir);
        CuratorFramework client = ZooKeeperClients.start(ha.zkConnect(), ha.sessionTimeout());
        if (!ZooKeeperClients.awaitConnected(client, ha.sessionTimeout())) {
            client.close();
            throw new IllegalStateException("cannot reach ZooKeeper at " + ha.zkConnect() + " within "
                    + ha.sessionTimeout().toSeconds() + " s");
        }
        ZkBuildStateStore.ensureLayout(client);
        LogStore logs = new LogStore(stateDir.resolve("logs"), settings.logCapBytes());
        LeaderGate gate = new LeaderGate(() -> readLeader(client));
        CoordinatorMetrics metrics = new CoordinatorMetrics(registry, gate, artifacts);
        ExecutorService logReaders = logReaders();
        Server server =
                serve(builder.intercept(new MetricCollectingServerInterceptor(registry)), gate, logReaders, artifacts);
        String advertised = ha.grpcAddress().endsWith(":0") // port 0: the port the server got
                ? ha.grpcAddress().substring(0, ha.grpcAddress().length() - 1) + server.getPort()
                : ha.grpcAddress();
        LeaderElection election = new LeaderElection(client, ha.name(), advertised, ha.httpAddress(), gate, fence -> {
            BuildStateStore store =
                    TimedBuildStateStore.wrap(new ZkBuildStateStore(fence, new ArtifactSpecBlobs(artifacts)), registry);
            Dispatcher dispatcher = new Dispatcher(settings, store, new StoreResultCache(artifacts), logs);
            dispatcher.observe(metrics);
            dispatcher.restore(store.loadAll()).get();
            return dispatcher;
        });
        election.start();
        log.info(
                "coordinator {} serving as {} (ZooKeeper {}, session timeout {} s, artifacts {})",
                ha.name(),
                advertised,
                ha.zkConnect(),
                ha.sessionTimeout().toSeconds(),
                artifactDir);
        return new CoordinatorServer(server, gate, election, logReaders, artifacts, List.of(client), client, metrics);
    }

    private static <T> T await(java.util.concurrent.Future<T> work) throws IOException {
        try {
            return work.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while restoring builds");
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException(
                    "cannot restore the builds of the state folder: "
                            + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    private static Optional<ActiveLeader> readLeader(CuratorFramework client) {
        try {
            return ActiveLeader.parse(client.getData().forPath(ZkPaths.active()));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static ArtifactStore openArtifacts(Path artifactDir) throws IOException {
        ArtifactStore artifacts = new ArtifactStore(artifactDir);
        int purged = artifacts.purgeTemporaryFiles(Duration.ofHours(1));
        if (purged > 0) {
            log.info("removed {} unfinished uploads from {}", purged, artifactDir);
        }
        return artifacts;
    }

    private static ExecutorService logReaders() {
        return Executors.newCachedThreadPool(DaemonThreadFactory.named("log-reader"));
    }

    private static Server serve(
            ServerBuilder<?> builder, LeaderGate gate, ExecutorService logReaders, ArtifactStore artifacts)
            throws IOException {
        PeerAddress peers = new PeerAddress();
        // The same limit the farm's clients accept: a SubmitBuild of 100,000 recipes is about 5.5 MB,
        // over gRPC's default 4 MiB, which refused it with RESOURCE_EXHAUSTED.
        return builder.maxInboundMessageSize(dev.lfsfarm.common.leader.LeaderChannel.MAX_INBOUND_MESSAGE_BYTES)
                .addService(ServerInterceptors.intercept(new BuildServiceImpl(gate, logReaders), peers, gate))
                .addService(ServerInterceptors.intercept(new WorkerServiceImpl(gate), peers, gate))
                .addService(ServerInterceptors.intercept(new ArtifactServiceImpl(artifacts), peers, gate))
                .addService(ServerInterceptors.intercept(new CheckpointServiceImpl(gate, artifacts), peers, gate))
                .addService(ServerInterceptors.intercept(new HistoryServiceImpl(gate), peers, gate))
                .build()
                .start();
    }

    public int port() {
        return server.getPort();
    }

    /** The leading dispatcher; throws a gRPC status when this coordinator stands by. */
    public Dispatcher dispatcher() {
        return gate.get();
    }

    public boolean isLeading() {
        return gate.isLeading();
    }

    /** The ZooKeeper client of an HA coordinator (empty alone), for tools and fault-injection tests. */
    public Optional<CuratorFramework> zooKeeper() {
        return Optional.ofNullable(zooKeeper);
    }

    public ArtifactStore artifacts() {
        return artifacts;
    }

    /** The coordinator's meters: refreshed before a scrape, and its {@code /healthz} answer. */
    public CoordinatorMetrics metrics() {
        return metrics;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public void close() {
        try {
            leadership.close();
        } catch (Exception e) {
            log.warn("leaving leadership: {}", e.toString());
        }
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        logReaders.shutdownNow();
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("closing {}: {}", resource.getClass().getSimpleName(), e.toString());
            }
        }
        log.info("coordinator stopped");
    }
}
