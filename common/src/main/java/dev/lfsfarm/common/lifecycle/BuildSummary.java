package dev.lfsfarm.common.lifecycle;

import dev.lfsfarm.common.graph.DroppedEdge;
import dev.lfsfarm.common.recipe.DependencyClass;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.DependencyEdge;
import java.time.Instant;

/** The {@link Build} message of a lifecycle: its summary, and its packages when asked. */
final class BuildSummary {
    private BuildSummary() {}

    static Build of(
            BuildLifecycle build,
            boolean withPackages,
            Instant submittedAt,
            Instant startedAt,
            Instant finishedAt,
            int retryCount) {
        var spec = build.spec();
        var graph = build.graph();
        Build.Builder b = Build.newBuilder()
                .setBuildId(build.id())
                .setState(build.state())
                .setBookName(spec.getBook().getName())
                .addAllTargets(graph.targets())
                .setProfile(graph.profile().name())
                .setNoCache(spec.getNoCache())
                .setFailFast(spec.getFailFast())
                .setRequestId(spec.getRequestId())
                .setSubmitter(spec.getSubmitter())
                .setSubmittedAt(ProtoTime.timestamp(submittedAt))
                .setProgress(build.progress())
                .setRetryCount(retryCount)
                .setMessage(build.message());
        if (startedAt != null) {
            b.setStartedAt(ProtoTime.timestamp(startedAt));
        }
        if (finishedAt != null) {
            b.setFinishedAt(ProtoTime.timestamp(finishedAt));
        }
        for (DroppedEdge d : graph.droppedEdges()) {
            b.addDroppedEdges(DependencyEdge.newBuilder()
                    .setPackageId(d.edge().from())
                    .setDependsOn(d.edge().to())
                    .setDependencyClass(dependencyClass(d.edge().dependencyClass())));
        }
        if (withPackages) {
            b.addAllPackages(build.packagesInOrder()); // the API promises dependencies first, book order for ties
        }
        return b.build();
    }

    private static dev.lfsfarm.proto.v1.DependencyClass dependencyClass(DependencyClass c) {
        return dev.lfsfarm.proto.v1.DependencyClass.valueOf("DEPENDENCY_CLASS_" + c.name());
    }
}
