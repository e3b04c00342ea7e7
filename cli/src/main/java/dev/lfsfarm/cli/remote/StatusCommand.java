package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.ListBuildsRequest;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code farm status [BUILD] [--follow]}: every build, or one build's packages, optionally followed to its end. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Show the builds on the coordinator, or one build package by package.",
            "With --follow, follow the build (progress on stderr, across coordinator failovers) until it ends, then show it;",
            "the exit status is then 0 only when every package succeeded (or was cached)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm status",
            "  farm status 20261121-101500-3f2a",
            "  farm status 20261121-101500-3f2a --follow --zk zk1:2181",
            "  farm status 20261121-101500-3f2a -o json | jq '.packages[] | select(.state==\"FAILED\")'"
        })
public final class StatusCommand extends RemoteCommand {

    @Mixin
    Output output;

    @Parameters(paramLabel = "BUILD", arity = "0..1", description = "Build id (default: list every build).")
    String buildId;

    @Option(names = "--follow", description = "Follow the build until it ends (needs BUILD).")
    boolean follow;

    @Override
    protected int run() throws Exception {
        PrintWriter out = out();
        if (follow) {
            if (buildId == null) {
                throw new UsageException("--follow needs a BUILD to follow");
            }
            PrintWriter err = err();
            try (CoordinatorSession session = session()) {
                Build result =
                        new BuildFollower(session, err, System.console() != null && !output.json()).follow(buildId);
                return Submission.report(result, out, output.json());
            }
        }
        if (buildId == null) {
            BuildList list = new BuildList(remote(
                    (stub, ch) -> stub.listBuilds(ListBuildsRequest.getDefaultInstance()).getBuildsList().stream()
                            .map(b -> BuildView.of(b, false))
                            .toList()));
            if (output.json()) {
                JsonViews.write(out, list);
            } else {
                BuildText.printList(out, list.builds());
            }
            return ExitCodes.OK;
        }
        Build build = remote((stub, ch) -> stub.getBuild(
                        GetBuildRequest.newBuilder().setBuildId(buildId).build())
                .getBuild());
        BuildView view = BuildView.of(build, true);
        if (output.json()) {
            JsonViews.write(out, view);
        } else {
            BuildText.printBuild(out, view);
        }
        return ExitCodes.OK;
    }

    /** The JSON of the build list. */
    record BuildList(List<BuildView> builds) {}
}
