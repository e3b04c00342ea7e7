package dev.lfsfarm.cli.remote;

import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.GetBuildRequest;

/** GetBuild for commands outside this package (reports): one call through a session, retried like the others. */
public final class RemoteBuilds {
    private RemoteBuilds() {}

    /** The build with its packages; NOT_FOUND and UNAVAILABLE reach the error handler as status exceptions. */
    public static Build get(CoordinatorOptions coordinator, String buildId) throws Exception {
        return RemoteCall.with(
                coordinator,
                (stub, channel) -> stub.getBuild(
                                GetBuildRequest.newBuilder().setBuildId(buildId).build())
                        .getBuild());
    }
}
