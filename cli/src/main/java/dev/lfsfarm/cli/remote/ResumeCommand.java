package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.ResumeBuildRequest;
import dev.lfsfarm.proto.v1.ResumeBuildResponse;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code farm resume BUILD}: continues a build the farm stopped with (INTERRUPTED). */
@Command(
        name = "resume",
        mixinStandardHelpOptions = true,
        description = {
            "Continue an INTERRUPTED build: one that was running when the whole farm was stopped.",
            "Packages that succeeded or were cached keep their artifacts; the rest run again.",
            "Resuming a build that is already queued or running changes nothing (exit 0).",
            "A finished build cannot be resumed (exit 1): use 'farm retry' for its failed packages.",
            "With --follow, show progress and exit 0 only when every package succeeded (or was cached)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm resume 20261121-101500-3f2a",
            "  farm resume 20261121-101500-3f2a --follow --zk zk1:2181,zk2:2181",
            "  farm resume 20261121-101500-3f2a -o json"
        })
public final class ResumeCommand extends RemoteCommand {

    @Mixin
    Output output;

    @Parameters(paramLabel = "BUILD", description = "Build id.")
    String buildId;

    @Option(names = "--follow", description = "Follow the build until it ends.")
    boolean follow;

    /** The JSON document without --follow. */
    record Resumed(String buildId, String state, boolean resumed, long remaining) {
        /** The text line: how many packages are left, or the state it is already in. */
        String line() {
            return resumed
                    ? "build " + buildId + " resumed: " + remaining + " packages to go"
                    : "build " + buildId + " is already " + state;
        }
    }

    @Override
    protected int run() throws Exception {
        PrintWriter out = out();
        PrintWriter err = err();
        try (CoordinatorSession session = session()) {
            // Idempotent on the server, so a retry after a failover is harmless.
            ResumeBuildResponse response = session.call((stub, ch) -> stub.resumeBuild(
                    ResumeBuildRequest.newBuilder().setBuildId(buildId).build()));
            String state = response.getState().name().replace("BUILD_STATE_", "");
            Resumed view = new Resumed(buildId, state, response.getResumed(), response.getRemaining());
            if (follow) {
                err.println("farm: " + view.line());
                err.flush();
                Build result =
                        new BuildFollower(session, err, System.console() != null && !output.json()).follow(buildId);
                return Submission.report(result, out, output.json());
            }
            if (output.json()) {
                JsonViews.write(out, view);
            } else {
                out.println(view.line());
                out.flush();
            }
            return ExitCodes.OK;
        }
    }
}
