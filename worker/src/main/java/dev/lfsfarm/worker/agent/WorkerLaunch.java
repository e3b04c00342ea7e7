package dev.lfsfarm.worker.agent;

import dev.lfsfarm.common.leader.LeaderChannel;
import dev.lfsfarm.worker.execute.ExecutionSettings;
import dev.lfsfarm.worker.metrics.WorkerMetrics;
import dev.lfsfarm.worker.platform.PlatformProbe;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starting a worker agent on this host, the way {@code farm worker} and {@code farm local} do: it
 * prepares the work dir, decides how phases run (build user, cgroups), probes the platform, builds
 * the agent's meters and connects. With {@link WorkerAgent} and {@link WorkerSettings} it is all a
 * program outside the worker module needs; the execution, platform and metrics types stay inside.
 */
public final class WorkerLaunch {
    private static final Logger log = LoggerFactory.getLogger(WorkerLaunch.class);

    private WorkerLaunch() {}

    /**
     * This host's memory in bytes as builds can use it: MemTotal, lowered to this process's cgroup
     * memory limit when that is smaller; 0 when it cannot be read.
     *
     * @param workDir the worker's work folder (it need not exist yet)
     */
    public static long hostMemoryBytes(Path workDir) {
        return new PlatformProbe(workDir).memoryTotal();
    }

    /** Starts an agent whose meters go nowhere (no HTTP endpoint). */
    public static WorkerAgent start(WorkerSettings settings, LeaderChannel coordinators) throws Exception {
        return start(settings, coordinators, WorkerMetrics.none(settings.name()));
    }

    /**
     * Starts an agent recording its meters in {@code registry}, each tagged with the worker's name
     * (so several agents can share one registry).
     */
    public static WorkerAgent start(WorkerSettings settings, LeaderChannel coordinators, MeterRegistry registry)
            throws Exception {
        return start(settings, coordinators, new WorkerMetrics(registry, settings.name()));
    }

    private static WorkerAgent start(WorkerSettings settings, LeaderChannel coordinators, WorkerMetrics metrics)
            throws Exception {
        Files.createDirectories(settings.workDir());
        ExecutionSettings execution = ExecutionSettings.detect();
        var platform =
                new PlatformProbe(settings.workDir()).probe("farm 0.1", List.of("local"), settings.secondsPerSbu());
        log.info(
                "worker config: name={} slots={} cores={} memory={}MiB labels={} work-dir={} measurement={} build-user={}",
                settings.name(),
                settings.slots(),
                settings.cores(),
                settings.memoryMb(),
                settings.labels(),
                settings.workDir(),
                execution.method(),
                execution.runAs().map(u -> u.name()).orElse("(this user)"));
        WorkerAgent agent = new WorkerAgent(settings, coordinators, execution, platform, metrics);
        agent.start();
        return agent;
    }
}
