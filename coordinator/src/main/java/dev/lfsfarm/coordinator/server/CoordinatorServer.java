package dev.lfsfarm.coordinator.server;

import dev.lfsfarm.coordinator.artifact.ArtifactServiceImpl;
import dev.lfsfarm.coordinator.artifact.ArtifactStore;
import dev.lfsfarm.coordinator.artifact.StoreResultCache;
import dev.lfsfarm.coordinator.dispatch.DispatchSettings;
import dev.lfsfarm.coordinator.dispatch.Dispatcher;
import dev.lfsfarm.coordinator.log.LogStore;
import dev.lfsfarm.coordinator.service.BuildServiceImpl;
import dev.lfsfarm.coordinator.service.PeerAddress;
import dev.lfsfarm.coordinator.service.WorkerServiceImpl;
import dev.lfsfarm.coordinator.state.BuildStateStore;
import dev.lfsfarm.coordinator.state.FileBuildStateStore;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running coordinator: BuildService, WorkerService and ArtifactService on one gRPC server built
 * from the {@link ServerBuilder} it is given (Netty on a port in production, in-process in tests).
 * Shuts down in order: stop accepting, let calls drain, stop the dispatcher, close the stores.
 */
public final class CoordinatorServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorServer.class);

    private final Server server;
    private final Dispatcher dispatcher;
    private final BuildStateStore state;
    private final ExecutorService logReaders;
    private final ArtifactStore artifacts;

    private CoordinatorServer(Server server, Dispatcher dispatcher, BuildStateStore state, ExecutorService logReaders,
            ArtifactStore artifacts) {
        this.server = server;
        this.dispatcher = dispatcher;
        this.state = state;
        this.logReaders = logReaders;
        this.artifacts = artifacts;
    }

    /**
     * Starts a coordinator.
     *
     * @param builder where to serve (e.g. {@code NettyServerBuilder.forAddress(...)} or in-process)
     * @param stateDir build state and logs
     * @param artifactDir the content-addressed artifact store (shared storage in HA setups)
     */
    public static CoordinatorServer start(ServerBuilder<?> builder, Path stateDir, Path artifactDir, DispatchSettings settings)
            throws IOException {
        ArtifactStore artifacts = new ArtifactStore(artifactDir);
        int purged = artifacts.purgeTemporaryFiles(Duration.ofHours(1));
        if (purged > 0) {
            log.info("removed {} unfinished uploads from {}", purged, artifactDir);
        }
        BuildStateStore state = new FileBuildStateStore(stateDir);
        LogStore logs = new LogStore(stateDir.resolve("logs"), settings.logCapBytes());
        Dispatcher dispatcher = new Dispatcher(settings, state, new StoreResultCache(artifacts), logs);
        ExecutorService logReaders = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "log-reader");
            t.setDaemon(true);
            return t;
        });
        PeerAddress peers = new PeerAddress();
        Server server = builder
                .addService(ServerInterceptors.intercept(new BuildServiceImpl(dispatcher, logReaders), peers))
                .addService(ServerInterceptors.intercept(new WorkerServiceImpl(dispatcher), peers))
                .addService(ServerInterceptors.intercept(new ArtifactServiceImpl(artifacts), peers))
                .build()
                .start();
        log.info("coordinator serving (epoch {}, state {}, artifacts {})", dispatcher.epoch(), stateDir, artifactDir);
        return new CoordinatorServer(server, dispatcher, state, logReaders, artifacts);
    }

    public int port() {
        return server.getPort();
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public ArtifactStore artifacts() {
        return artifacts;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public void close() {
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
        dispatcher.close();
        logReaders.shutdownNow();
        state.close();
        log.info("coordinator stopped");
    }
}
