package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.proto.v1.RetryBuildRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code farm retry BUILD}: reruns failed, skipped and cancelled packages only. */
@Command(
        name = "retry",
        mixinStandardHelpOptions = true,
        description = "Rerun the failed and skipped packages of a finished build; what succeeded is kept.",
        footerHeading = "%nExamples:%n",
        footer = {"  farm retry 20261121-101500-3f2a"})
public final class RetryCommand extends RemoteCommand {

    @Parameters(paramLabel = "BUILD", description = "Build id.")
    String buildId;

    @Override
    protected int run() throws Exception {
        int requeued = remote((stub, ch) -> stub.retryBuild(
                        RetryBuildRequest.newBuilder().setBuildId(buildId).build())
                .getRequeued());
        out().println(buildId + ": " + requeued + " packages requeued");
        out().flush();
        return ExitCodes.OK;
    }
}
