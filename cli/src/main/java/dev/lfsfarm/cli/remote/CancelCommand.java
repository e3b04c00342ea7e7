package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.proto.v1.CancelBuildRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code farm cancel BUILD}. */
@Command(
        name = "cancel",
        mixinStandardHelpOptions = true,
        description = "Cancel a build: nothing new starts and running packages are stopped.",
        footerHeading = "%nExamples:%n",
        footer = {"  farm cancel 20261121-101500-3f2a"})
public final class CancelCommand extends RemoteCommand {

    @Parameters(paramLabel = "BUILD", description = "Build id.")
    String buildId;

    @Override
    protected int run() throws Exception {
        var state = remote((stub, ch) -> stub.cancelBuild(CancelBuildRequest.newBuilder()
                        .setBuildId(buildId)
                        .setReason("cancelled from the CLI")
                        .build())
                .getState());
        out().println(buildId + " " + state.name().replace("BUILD_STATE_", ""));
        out().flush();
        return ExitCodes.OK;
    }
}
