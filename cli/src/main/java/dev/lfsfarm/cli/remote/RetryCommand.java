package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.proto.v1.RetryBuildRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code farm retry BUILD}: reruns failed, skipped and cancelled packages only. */
@Command(
        name = "retry",
        mixinStandardHelpOptions = true,
        description = "Rerun the failed and skipped packages of a finished build; what succeeded is kept.",
        footerHeading = "%nExamples:%n",
        footer = {"  farm retry 20261121-101500-3f2a"})
public final class RetryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CoordinatorOptions coordinator;

    @Parameters(paramLabel = "BUILD", description = "Build id.")
    String buildId;

    @Override
    public Integer call() throws Exception {
        int requeued = RemoteCall.with(
                coordinator,
                (stub, ch) -> stub.retryBuild(RetryBuildRequest.newBuilder()
                                .setBuildId(buildId)
                                .build())
                        .getRequeued());
        spec.commandLine().getOut().println(buildId + ": " + requeued + " packages requeued");
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
