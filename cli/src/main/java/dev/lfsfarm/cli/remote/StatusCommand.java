package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.ListBuildsRequest;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
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
                out.printf(Locale.ROOT, "%-22s %-10s %-14s %s%n", "BUILD", "STATE", "BOOK", "DONE");
                list.builds()
                        .forEach(b -> out.printf(
                                Locale.ROOT,
                                "%-22s %-10s %-14s %d/%d (%d cached, %d failed)%n",
                                b.buildId(),
                                b.state(),
                                b.book(),
                                b.progress().done(),
                                b.progress().total(),
                                b.progress().cached(),
                                b.progress().failed()));
            }
            return ExitCodes.OK;
        }
        Build build = remote((stub, ch) -> stub.getBuild(
                        GetBuildRequest.newBuilder().setBuildId(buildId).build())
                .getBuild());
        if (output.json()) {
            JsonViews.write(out, BuildView.of(build, true));
        } else {
            printBuild(out, build);
        }
        return ExitCodes.OK;
    }

    /** The JSON of the build list. */
    record BuildList(List<BuildView> builds) {}

    static void printBuild(PrintWriter out, Build b) {
        out.printf(
                Locale.ROOT,
                "Build %s: %s (%s, profile %s)%s%n",
                b.getBuildId(),
                BuildJson.state(b),
                b.getBookName(),
                b.getProfile(),
                b.getMessage().isEmpty() ? "" : " — " + b.getMessage());
        var p = b.getProgress();
        out.printf(
                Locale.ROOT,
                "  %d/%d done: %d built, %d cached, %d failed, %d skipped, %d running%n",
                p.getDone(),
                p.getTotal(),
                p.getSucceeded(),
                p.getCached(),
                p.getFailed(),
                p.getSkipped(),
                p.getRunning());
        if (p.getRegressions() > 0) {
            List<String> slow = b.getPackagesList().stream()
                    .filter(PackageStatus::hasRegression)
                    .map(x -> String.format(
                            Locale.ROOT,
                            "%s (%.1fx)",
                            x.getPackageId(),
                            x.getRegression().getFactor()))
                    .toList();
            out.printf(
                    Locale.ROOT,
                    "  %d regression%s, slower than %.1fx their median: %s%n",
                    p.getRegressions(),
                    p.getRegressions() == 1 ? "" : "s",
                    b.getPackagesList().stream()
                            .filter(PackageStatus::hasRegression)
                            .findFirst()
                            .map(x -> x.getRegression().getThreshold())
                            .orElse(1.5),
                    String.join(", ", slow));
        }
        int width = Math.max(
                7,
                b.getPackagesList().stream()
                        .mapToInt(x -> x.getPackageId().length())
                        .max()
                        .orElse(7));
        out.printf(
                Locale.ROOT,
                "%n  %-" + width + "s  %-9s  %-12s %8s %9s  %s%n",
                "PACKAGE",
                "STATE",
                "WORKER",
                "ATTEMPTS",
                "WALL",
                "NOTE");
        for (PackageStatus s : b.getPackagesList()) {
            out.printf(
                    Locale.ROOT,
                    "  %-" + width + "s  %-9s  %-12s %8d %8.1fs  %s%n",
                    s.getPackageId(),
                    BuildJson.state(s),
                    s.getWorker(),
                    s.getAttempts(),
                    s.getWallSeconds(),
                    note(s));
        }
        out.flush();
    }

    static String note(PackageStatus s) {
        return switch (s.getState()) {
            case PACKAGE_STATE_SKIPPED -> "skipped because " + s.getSkippedBecause() + " failed";
            case PACKAGE_STATE_FAILED ->
                (s.getFailedPhase().isEmpty() ? "" : s.getFailedPhase() + ": ") + s.getFailureReason();
            case PACKAGE_STATE_CACHED -> "cached";
            case PACKAGE_STATE_RUNNING -> s.getCurrentPhase();
            case PACKAGE_STATE_SUCCEEDED ->
                s.hasRegression()
                        ? String.format(
                                Locale.ROOT,
                                "REGRESSION: %.1fx its median (expected %.1f s)",
                                s.getRegression().getFactor(),
                                s.getRegression().getExpectedSeconds())
                        : s.getFailureReason();
            default -> s.getFailureReason();
        };
    }
}
