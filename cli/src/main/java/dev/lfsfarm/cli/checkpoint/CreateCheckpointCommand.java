package dev.lfsfarm.cli.checkpoint;

import dev.lfsfarm.cli.remote.ViewCommand;
import dev.lfsfarm.proto.v1.CreateCheckpointRequest;
import dev.lfsfarm.proto.v1.CreateCheckpointResponse;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code farm checkpoint create}: records a checkpoint of a build up to a package. */
@Command(
        name = "create",
        mixinStandardHelpOptions = true,
        description = {
            "Record a checkpoint of a build up to a package.",
            "The checkpoint holds the build's packages in topological order up to and",
            "including --upto (every package without it). Each of them must be SUCCEEDED",
            "or CACHED; the build may still be running. Creating the same name for the",
            "same build and --upto again is harmless."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm checkpoint create lfs-ch7 --build 20261121-101500-3f2a --upto util-linux",
            "  farm checkpoint create demo-full --build 20261121-101500-3f2a -o json"
        })
public final class CreateCheckpointCommand extends ViewCommand<CheckpointView> {
    @Parameters(
            index = "0",
            paramLabel = "NAME",
            description = "Name: 1 to 100 of A-Z a-z 0-9 . _ - (not '.' or '..').")
    String name;

    @Option(names = "--build", paramLabel = "BUILD", required = true, description = "Build to take the artifacts from.")
    String buildId;

    @Option(
            names = "--upto",
            paramLabel = "PKG",
            description = "Last package of the checkpoint (default: the whole build).")
    String upto;

    @Override
    protected CheckpointView view() throws Exception {
        CreateCheckpointResponse response = remote((stub, channel) -> CheckpointCalls.checkpoints(channel)
                .createCheckpoint(CreateCheckpointRequest.newBuilder()
                        .setName(name)
                        .setBuildId(buildId)
                        .setUpto(upto == null ? "" : upto)
                        .build()));
        return CheckpointView.of(response.getCheckpoint(), true, response.getCreated());
    }

    @Override
    protected void printText(CheckpointView c, PrintWriter out) {
        out.printf(
                Locale.ROOT,
                "%s %s: build %s, %s, %d packages, %s of artifacts%n",
                c.created() ? "Recorded checkpoint" : "Checkpoint already recorded:",
                c.name(),
                c.buildId(),
                c.upto() == null ? "whole build" : "up to " + c.upto(),
                c.packageCount(),
                Quantities.size(c.artifactBytes()));
    }
}
