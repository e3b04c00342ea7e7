package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

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
    public static final class Get extends RemoteCommand {

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
        protected int run() throws Exception {
            return remote((stub, channel) -> {
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
                err().println("farm: wrote " + file + " ("
                        + status.getArtifact().getSizeBytes() + " bytes, sha256 "
                        + status.getArtifact().getSha256() + ")");
                err().flush();
                return ExitCodes.OK;
            });
        }
    }
}
