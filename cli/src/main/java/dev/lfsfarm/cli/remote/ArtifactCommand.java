package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code farm artifact get BUILD PKG -o FILE}: download what a package installed. */
@Command(
        name = "artifact",
        mixinStandardHelpOptions = true,
        description = "Work with artifacts (the installed files of a package, a tar.gz with a manifest).",
        subcommands = ArtifactCommand.Get.class,
        footerHeading = "%nExamples:%n",
        footer = {"  farm artifact get 20261121-101500-3f2a libstr -o libstr.tar.gz"})
public final class ArtifactCommand {

    /** {@code farm artifact get}. */
    @Command(
            name = "get",
            mixinStandardHelpOptions = true,
            description = "Download a package's artifact (tar.gz of its DESTDIR), verified against its sha256.",
            footerHeading = "%nExamples:%n",
            footer = {"  farm artifact get 20261121-101500-3f2a libstr -o libstr.tar.gz && tar -tzf libstr.tar.gz"})
    public static final class Get implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        CoordinatorOptions coordinator;

        @Parameters(index = "0", paramLabel = "BUILD", description = "Build id.")
        String buildId;

        @Parameters(index = "1", paramLabel = "PKG", description = "Package id.")
        String packageId;

        @Option(
                names = {"-o", "--output"},
                paramLabel = "FILE",
                required = true,
                description = "Where to write the tar.gz.")
        Path file;

        @Override
        public Integer call() throws Exception {
            return RemoteCall.with(coordinator, (stub, channel) -> {
                PackageStatus status = stub
                        .getBuild(
                                GetBuildRequest.newBuilder().setBuildId(buildId).build())
                        .getBuild()
                        .getPackagesList()
                        .stream()
                        .filter(p -> p.getPackageId().equals(packageId))
                        .findFirst()
                        .orElseThrow(
                                () -> new UsageException("build " + buildId + " has no package '" + packageId + "'"));
                if (status.getArtifact().getSha256().isEmpty()) {
                    throw new UsageException(packageId + " has no artifact in build " + buildId + " (it is "
                            + BuildJson.state(status) + ")");
                }
                new ArtifactClient(channel).download(status.getArtifact(), file);
                spec.commandLine()
                        .getErr()
                        .println("farm: wrote " + file + " ("
                                + status.getArtifact().getSizeBytes() + " bytes, sha256 "
                                + status.getArtifact().getSha256() + ")");
                spec.commandLine().getErr().flush();
                return ExitCodes.OK;
            });
        }
    }
}
