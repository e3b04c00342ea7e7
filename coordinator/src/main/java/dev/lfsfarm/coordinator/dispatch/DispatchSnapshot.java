package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.coordinator.workers.WorkerSession;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.PackageState;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;

/**
 * Counts taken on the dispatcher thread at one moment, for gauges that other threads read.
 *
 * @param builds every known build by state
 * @param packages packages by state, over the builds that have not finished (queued, running, cancelling)
 * @param readyQueue packages READY to be placed, over those builds
 * @param workersConnected workers with an open Connect stream
 */
public record DispatchSnapshot(
        Map<BuildState, Integer> builds, Map<PackageState, Integer> packages, int readyQueue, int workersConnected) {

    public static final DispatchSnapshot EMPTY = new DispatchSnapshot(Map.of(), Map.of(), 0, 0);

    public DispatchSnapshot {
        builds = Map.copyOf(builds);
        packages = Map.copyOf(packages);
    }

    static DispatchSnapshot of(Collection<BuildLifecycle> all, Collection<WorkerSession> sessions) {
        Map<BuildState, Integer> builds = new EnumMap<>(BuildState.class);
        Map<PackageState, Integer> packages = new EnumMap<>(PackageState.class);
        for (BuildLifecycle build : all) {
            builds.merge(build.state(), 1, Integer::sum);
            if (build.isFinished() || build.state() == BuildState.BUILD_STATE_INTERRUPTED) {
                continue;
            }
            for (int task = 0; task < build.graph().size(); task++) {
                packages.merge(build.status(task).getState(), 1, Integer::sum);
            }
        }
        int connected = (int) sessions.stream().filter(WorkerSession::isOpen).count();
        return new DispatchSnapshot(
                builds, packages, packages.getOrDefault(PackageState.PACKAGE_STATE_READY, 0), connected);
    }

    public int builds(BuildState state) {
        return builds.getOrDefault(state, 0);
    }

    public int packages(PackageState state) {
        return packages.getOrDefault(state, 0);
    }
}
