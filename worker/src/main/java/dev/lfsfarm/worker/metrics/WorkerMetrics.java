package dev.lfsfarm.worker.metrics;

import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.Measurements;
import dev.lfsfarm.proto.v1.PhaseMeasurement;
import dev.lfsfarm.worker.source.SourceFetcher;
import io.grpc.ClientInterceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.grpc.MetricCollectingClientInterceptor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * A worker agent's meters. Every meter carries the tag {@code worker} (the worker's name), so the
 * workers of {@code farm local} can share one registry. Per-package figures are recorded when an
 * attempt ends, from the measurements it reports, tagged with its outcome.
 */
public final class WorkerMetrics implements SourceFetcher.Observer {
    private final MeterRegistry registry;
    private final Tags worker;
    private final Counter logSent;
    private final Counter uploaded;
    private final Counter downloaded;
    private final Counter sourceBytes;
    private final Counter sourceHits;
    private final Counter sourceDownloads;

    public WorkerMetrics(MeterRegistry registry, String workerName) {
        this.registry = registry;
        this.worker = Tags.of("worker", workerName);
        logSent = counter("farm.worker.log.sent", "bytes", "Build log bytes sent to the coordinator");
        uploaded = counter("farm.worker.artifact.uploaded", "bytes", "Artifact and manifest bytes uploaded");
        downloaded = counter(
                "farm.worker.artifact.downloaded",
                "bytes",
                "Dependency artifacts and path sources downloaded (cache misses)");
        sourceBytes = counter("farm.worker.source.fetched", "bytes", "Source bytes downloaded from their URLs");
        sourceHits = counter("farm.worker.source.cache.hits", null, "URL sources found in the source cache");
        sourceDownloads = counter("farm.worker.source.downloads", null, "URL sources downloaded (cache misses)");
    }

    /** Meters that go nowhere: for agents started without an HTTP endpoint. */
    public static WorkerMetrics none(String workerName) {
        return new WorkerMetrics(new SimpleMeterRegistry(), workerName);
    }

    /** Slots in use and in total, read from the agent at each scrape. */
    public void bindSlots(IntSupplier busy, int total) {
        Gauge.builder("farm.worker.slots.busy", busy, IntSupplier::getAsInt)
                .tags(worker)
                .strongReference(true)
                .description("Attempts running on this worker")
                .register(registry); // the lambda has no other owner
        Gauge.builder("farm.worker.slots", () -> total)
                .tags(worker)
                .description("Attempts this worker runs at once")
                .register(registry);
    }

    /** Collects call counts and durations of the worker's gRPC calls (Connect, uploads, downloads). */
    public ClientInterceptor clientInterceptor() {
        return new MetricCollectingClientInterceptor(registry);
    }

    /** An attempt ended: its recipe phases' wall and CPU time and its peak memory, by outcome. */
    public void attemptFinished(AttemptResult result) {
        Measurements m = result.getMeasurements();
        if (m.getPhasesCount() == 0) {
            return; // failed or cancelled before any phase ran: nothing was built
        }
        String outcome =
                result.getOutcome().name().replace("ATTEMPT_OUTCOME_", "").toLowerCase(Locale.ROOT);
        if (result.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_UNSPECIFIED) {
            outcome = "unknown";
        }
        double wall = 0;
        double cpu = 0;
        long peak = 0;
        for (PhaseMeasurement phase : m.getPhasesList()) {
            wall += phase.getUsage().getWallSeconds();
            cpu += phase.getUsage().getUserCpuSeconds() + phase.getUsage().getSystemCpuSeconds();
            peak = Math.max(peak, phase.getUsage().getPeakRssBytes());
        }
        summary(
                        "farm.worker.package.build",
                        "seconds",
                        "Wall time of a package's recipe phases",
                        outcome,
                        0.5,
                        1,
                        5,
                        15,
                        30,
                        60,
                        120,
                        300,
                        600,
                        1800,
                        3600,
                        7200,
                        14400)
                .record(wall);
        summary(
                        "farm.worker.package.cpu",
                        "seconds",
                        "User and system CPU of a package's recipe phases",
                        outcome,
                        0.5,
                        1,
                        5,
                        15,
                        30,
                        60,
                        120,
                        300,
                        600,
                        1800,
                        3600,
                        7200,
                        14400,
                        57600)
                .record(cpu);
        summary(
                        "farm.worker.package.peak.rss",
                        "bytes",
                        "Peak resident memory of a package's process tree",
                        outcome,
                        16.0 * (1 << 20),
                        64.0 * (1 << 20),
                        256.0 * (1 << 20),
                        512.0 * (1 << 20),
                        1024.0 * (1 << 20),
                        2048.0 * (1 << 20),
                        4096.0 * (1 << 20),
                        8192.0 * (1 << 20),
                        16384.0 * (1 << 20))
                .record(peak);
    }

    public void logSent(long bytes) {
        logSent.increment(bytes);
    }

    public void uploaded(long bytes) {
        uploaded.increment(bytes);
    }

    public void downloaded(long bytes) {
        downloaded.increment(bytes);
    }

    @Override
    public void cacheHit(String url) {
        sourceHits.increment();
    }

    @Override
    public void downloaded(String url, long bytes) {
        sourceDownloads.increment();
        sourceBytes.increment(bytes);
    }

    private Counter counter(String name, String unit, String description) {
        return Counter.builder(name)
                .baseUnit(unit)
                .tags(worker)
                .description(description)
                .register(registry);
    }

    private DistributionSummary summary(
            String name, String unit, String description, String outcome, double... buckets) {
        return DistributionSummary.builder(name)
                .baseUnit(unit)
                .tags(worker)
                .tag("outcome", outcome)
                .description(description)
                .serviceLevelObjectives(buckets)
                .register(registry);
    }
}
