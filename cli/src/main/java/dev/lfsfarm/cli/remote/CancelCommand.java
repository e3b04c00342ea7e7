package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.proto.v1.CancelBuildRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code farm cancel BUILD}. */
@Command(
        name = "cancel",
        mixinStandardHelpOptions = true,
        description = "Cancel a build: nothing new starts and running packages are stopped.",
        footerHeading = "%nExamples:%n",
        footer = {"  farm cancel 20261121-101500-3f2a"})
public final class CancelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CoordinatorOptions coordinator;

    @Parameters(paramLabel = "BUILD", description = "Build id.")
    String buildId;

    @Override
    public Integer call() throws Exception {
        var state = RemoteCall.with(
                coordinator,
                (stub, ch) -> stub.cancelBuild(CancelBuildRequest.newBuilder()
                                .setBuildId(buildId)
                                .setReason("cancelled from the CLI")
                                .build())
                        .getState());
        spec.commandLine().getOut().println(buildId + " " + state.name().replace("BUILD_STATE_", ""));
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
