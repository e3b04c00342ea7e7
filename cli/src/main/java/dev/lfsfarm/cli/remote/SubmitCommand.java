package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code farm submit BOOK [targets]}: checks the book here, uploads its path sources, submits, optionally follows. */
@Command(
        name = "submit",
        mixinStandardHelpOptions = true,
        description = {
            "Submit a build of a book to the coordinator and print its id.",
            "The book is checked here first (exit 2 on bad input); path sources are uploaded once, by digest.",
            "With --follow, show progress and exit 0 only when every package succeeded (or was cached)."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm submit examples/demo --follow",
            "  farm submit examples/demo kvtool --profile quick --no-cache",
            "  farm submit examples/demo --follow -o json > result.json"
        })
public final class SubmitCommand extends RemoteCommand {

    @Mixin
    Output output;

    @Parameters(index = "0", paramLabel = "BOOK", description = "Book folder (farm.yaml + packages/*.yaml).")
    Path book;

    @Parameters(
            index = "1..*",
            arity = "0..*",
            paramLabel = "TARGET",
            description = "Packages to build (default: all).")
    List<String> targets = new ArrayList<>();

    @Option(names = "--profile", paramLabel = "NAME", description = "Book profile (default: the book's default).")
    String profile;

    @Option(names = "--follow", description = "Follow the build until it ends.")
    boolean follow;

    @Option(names = "--no-cache", description = "Build every package even when a result for identical inputs exists.")
    boolean noCache;

    @Option(names = "--break-cycles", description = "Drop the weakest non-required edge of every dependency cycle.")
    boolean breakCycles;

    /** The JSON document without --follow. */
    record Submitted(String buildId, String state, long totalPackages) {}

    @Override
    protected int run() throws Exception {
        Submission submission = Submission.prepare(book, targets, profile, noCache, breakCycles);
        PrintWriter out = out();
        PrintWriter err = err();
        try (CoordinatorSession session = session()) {
            // Retried against the leader as needed; the request id makes a repeat return the same build.
            SubmitBuildResponse response = session.call(submission::submit);
            if (!follow) {
                Submitted view = new Submitted(
                        response.getBuildId(),
                        response.getState().name().replace("BUILD_STATE_", ""),
                        response.getTotalPackages());
                if (output.json()) {
                    JsonViews.write(out, view);
                } else {
                    out.println(view.buildId());
                    out.flush();
                }
                return ExitCodes.OK;
            }
            Build result = Submission.follow(session, response, err, output.json());
            return Submission.report(result, out, output.json());
        }
    }
}
