package dev.lfsfarm.coordinator.metrics;

import dev.lfsfarm.common.metrics.Health;
import dev.lfsfarm.coordinator.artifact.ArtifactStore;
import dev.lfsfarm.coordinator.dispatch.DispatchObserver;
import dev.lfsfarm.coordinator.dispatch.DispatchSnapshot;
import dev.lfsfarm.coordinator.dispatch.Dispatcher;
import dev.lfsfarm.coordinator.ha.LeaderGate;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.PackageState;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's own meters. Counters and the dispatch latency timer are fed by the dispatch
 * loop ({@link DispatchObserver}); the gauges read a {@link DispatchSnapshot} that
 * {@link #refresh()} takes on the dispatcher thread before each scrape, so a scrape never reads
 * the loop's state from another thread and never waits for a busy loop longer than
 * {@link #SNAPSHOT_PATIENCE} (it then shows the previous snapshot).
 */
public final class CoordinatorMetrics implements DispatchObserver {
    private static final Logger log = LoggerFactory.getLogger(CoordinatorMetrics.class);
    static final Duration SNAPSHOT_PATIENCE = Duration.ofMillis(500);

    private final LeaderGate gate;
    private final AtomicReference<DispatchSnapshot> snapshot = new AtomicReference<>(DispatchSnapshot.EMPTY);
    private final Timer dispatchLatency;
    private final Counter workersLost;
    private final Counter regressions;

    public CoordinatorMetrics(MeterRegistry registry, LeaderGate gate, ArtifactStore artifacts) {
        this.gate = gate;
        for (BuildState state : BuildState.values()) {
            if (state != BuildState.BUILD_STATE_UNSPECIFIED && state != BuildState.UNRECOGNIZED) {
                Gauge.builder("farm.builds", snapshot, s -> s.get().builds(state))
                        .tag("state", label(state.name()))
                        .description("Builds this coordinator knows, by state")
                        .register(registry);
            }
        }
        for (PackageState state : PackageState.values()) {
            if (state != PackageState.PACKAGE_STATE_UNSPECIFIED && state != PackageState.UNRECOGNIZED) {
                Gauge.builder("farm.packages", snapshot, s -> s.get().packages(state))
                        .tag("state", label(state.name()))
                        .description("Packages of unfinished builds, by state")
                        .register(registry);
            }
        }
        Gauge.builder("farm.ready.queue.packages", snapshot, s -> s.get().readyQueue())
                .description("Packages READY and waiting for a worker, over unfinished builds")
                .register(registry);
        Gauge.builder("farm.workers.connected", snapshot, s -> s.get().workersConnected())
                .description("Workers with an open Connect stream to this coordinator")
                .register(registry);
        Gauge.builder("farm.leader", gate, g -> g.isLeading() ? 1 : 0)
                .description("1 while this coordinator leads, 0 while it stands by")
                .register(registry);
        Gauge.builder("farm.leader.epoch", this, CoordinatorMetrics::epochOrZero)
                .description("Leader epoch of this coordinator's current term, 0 while it stands by")
                .register(registry);
        Gauge.builder("farm.artifact.store", artifacts, ArtifactStore::storedBytes)
                .baseUnit("bytes")
                .description("Bytes of blobs in the artifact store (tracked, not walked)")
                .register(registry);
        dispatchLatency = Timer.builder("farm.dispatch.latency")
                .description("From a package becoming READY to its assignment to a worker")
                .serviceLevelObjectives(
                        millis(1),
                        millis(5),
                        millis(10),
                        millis(50),
                        millis(100),
                        millis(500),
                        seconds(1),
                        seconds(5),
                        seconds(30),
                        seconds(60),
                        seconds(300),
                        seconds(1800))
                .register(registry);
        workersLost = Counter.builder("farm.workers.lost")
                .description("Workers whose lease ran out")
                .register(registry);
        regressions = Counter.builder("farm.package.regressions")
                .description("Packages that built markedly slower than their history")
                .register(registry);
    }

    /** Takes a fresh snapshot from the leading dispatcher (empty while standing by). */
    public void refresh() {
        Dispatcher leading = leadingDispatcher();
        if (leading == null) {
            snapshot.set(DispatchSnapshot.EMPTY);
            return;
        }
        try {
            snapshot.set(leading.snapshot().get(SNAPSHOT_PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            log.debug("dispatcher busy for {} ms: metrics show the previous snapshot", SNAPSHOT_PATIENCE.toMillis());
        } catch (ExecutionException e) {
            snapshot.set(DispatchSnapshot.EMPTY); // deposed or stopping meanwhile
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The current term's epoch, 0 while standing by (read once: leadership can end between two reads). */
    private static double epochOrZero(CoordinatorMetrics m) {
        Dispatcher leading = m.leadingDispatcher();
        return leading == null ? 0 : leading.epoch();
    }

    /** {@code /healthz}: leading or standing by, both healthy (a coordinator whose term broke stands by). */
    public Health health() {
        Dispatcher leading = leadingDispatcher();
        return leading != null ? Health.ok("leading (epoch " + leading.epoch() + ")") : Health.ok("standing by");
    }

    private Dispatcher leadingDispatcher() {
        try {
            return gate.isLeading() ? gate.get() : null;
        } catch (StatusRuntimeException e) {
            return null; // stepped down between the two calls
        }
    }

    @Override
    public void dispatched(String packageId, long waitedNanos) {
        dispatchLatency.record(waitedNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void workerLost(String worker) {
        workersLost.increment();
    }

    @Override
    public void regressed(String buildId, String packageId) {
        regressions.increment();
    }

    private static String label(String enumName) {
        return enumName.substring(enumName.indexOf("_STATE_") + "_STATE_".length())
                .toLowerCase(Locale.ROOT);
    }

    private static Duration millis(long n) {
        return Duration.ofMillis(n);
    }

    private static Duration seconds(long n) {
        return Duration.ofSeconds(n);
    }
}
