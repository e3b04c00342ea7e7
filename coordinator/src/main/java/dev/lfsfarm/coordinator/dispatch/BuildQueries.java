package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.error.FarmException;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.schedule.TaskState;
import dev.lfsfarm.coordinator.state.BuildStateStore;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Read-only questions about the known builds (why a package waits, a package's status, a submit's answer), and their checkpoints. */
final class BuildQueries {
    private final BuildTable builds;
    private final BuildStateStore store;
    private final long epoch;

    BuildQueries(BuildTable builds, BuildStateStore store, long epoch) {
        this.builds = builds;
        this.store = store;
        this.epoch = epoch;
    }

    /** Why packages are not running: the scheduler core's answer, per package. */
    Map<String, String> explain(String buildId, List<String> packageIds) {
        BuildLifecycle build = builds.find(buildId);
        Map<String, String> reasons = new LinkedHashMap<>();
        List<String> ids = packageIds.isEmpty() ? pendingPackages(build) : packageIds;
        for (String id : ids) {
            int task = task(build, id);
            String reason = build.isFinished() ? null : build.scheduler().pendingReason(task);
            reasons.put(
                    id, reason == null ? "not pending: " + build.status(task).getState() : reason);
        }
        return reasons;
    }

    /** The READY packages in dispatch order, then the WAITING ones; none once the build has finished. */
    private static List<String> pendingPackages(BuildLifecycle build) {
        List<String> ids = new ArrayList<>();
        if (build.isFinished()) {
            return ids;
        }
        build.scheduler().ready().forEach(task -> ids.add(build.graph().id(task)));
        for (int task = 0; task < build.graph().size(); task++) {
            if (build.scheduler().state(task) == TaskState.WAITING) {
                ids.add(build.graph().id(task));
            }
        }
        return ids;
    }

    PackageStatus packageStatus(String buildId, String packageId) {
        BuildLifecycle build = builds.find(buildId);
        return ((PackageStatus.Builder) build.status(task(build, packageId))).build();
    }

    private static int task(BuildLifecycle build, String packageId) {
        int task = build.graph().indexOf(packageId);
        if (task < 0) {
            throw FarmException.notFound("no package '" + packageId + "' in build " + build.id());
        }
        return task;
    }

    /** What a submit answers about the build. */
    static SubmitBuildResponse response(BuildLifecycle build, boolean created) {
        return SubmitBuildResponse.newBuilder()
                .setBuildId(build.id())
                .setState(build.state())
                .setCreated(created)
                .setTotalPackages(build.graph().size())
                .addAllDroppedEdges(build.toProto(false).getDroppedEdgesList())
                .build();
    }

    CheckpointRecorder checkpoints() {
        return new CheckpointRecorder(store, builds, epoch);
    }
}
