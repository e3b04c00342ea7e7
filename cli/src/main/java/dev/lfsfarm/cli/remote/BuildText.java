package dev.lfsfarm.cli.remote;

import dev.lfsfarm.proto.v1.PackageStatus;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The text form of a {@link BuildView}, as {@code status}, {@code submit --follow} and
 * {@code resume --follow} print it: one build with its package table, or the build list.
 */
final class BuildText {
    private BuildText() {}

    /** The build list: one line per build. */
    static void printList(PrintWriter out, List<BuildView> builds) {
        out.printf(Locale.ROOT, "%-22s %-10s %-14s %s%n", "BUILD", "STATE", "BOOK", "DONE");
        builds.forEach(b -> out.printf(
                Locale.ROOT,
                "%-22s %-10s %-14s %d/%d (%d cached, %d failed)%n",
                b.buildId(),
                b.state(),
                b.book(),
                b.progress().done(),
                b.progress().total(),
                b.progress().cached(),
                b.progress().failed()));
        out.flush();
    }

    /** One build: its header, counts, regressions and a line per package. */
    static void printBuild(PrintWriter out, BuildView b) {
        List<BuildView.Package> packages = b.packages() == null ? List.of() : b.packages();
        out.printf(
                Locale.ROOT,
                "Build %s: %s (%s, profile %s)%s%n",
                b.buildId(),
                b.state(),
                b.book(),
                b.profile(),
                b.message() == null ? "" : " — " + b.message());
        BuildView.Progress p = b.progress();
        out.printf(
                Locale.ROOT,
                "  %d/%d done: %d built, %d cached, %d failed, %d skipped, %d running%n",
                p.done(),
                p.total(),
                p.succeeded(),
                p.cached(),
                p.failed(),
                p.skipped(),
                p.running());
        if (p.regressions() > 0) {
            List<BuildView.Package> slow =
                    packages.stream().filter(x -> x.regression() != null).toList();
            out.printf(
                    Locale.ROOT,
                    "  %d regression%s, slower than %.1fx their median: %s%n",
                    p.regressions(),
                    p.regressions() == 1 ? "" : "s",
                    slow.isEmpty() ? 1.5 : slow.get(0).regression().threshold(),
                    String.join(
                            ", ",
                            slow.stream()
                                    .map(x -> String.format(
                                            Locale.ROOT,
                                            "%s (%.1fx)",
                                            x.id(),
                                            x.regression().factor()))
                                    .toList()));
        }
        int width = Math.max(
                7, packages.stream().mapToInt(x -> x.id().length()).max().orElse(7));
        out.printf(
                Locale.ROOT,
                "%n  %-" + width + "s  %-9s  %-12s %8s %9s  %s%n",
                "PACKAGE",
                "STATE",
                "WORKER",
                "ATTEMPTS",
                "WALL",
                "NOTE");
        for (BuildView.Package s : packages) {
            out.printf(
                    Locale.ROOT,
                    "  %-" + width + "s  %-9s  %-12s %8d %8.1fs  %s%n",
                    s.id(),
                    s.state(),
                    orEmpty(s.worker()),
                    s.attempts(),
                    s.wallSeconds(),
                    note(s));
        }
        out.flush();
    }

    /** The NOTE column: why it was skipped or failed, its phase, cached, or its regression. */
    static String note(BuildView.Package s) {
        return switch (s.state()) {
            case "SKIPPED" -> "skipped because " + orEmpty(s.skippedBecause()) + " failed";
            case "FAILED" -> (orEmpty(s.failedPhase()).isEmpty() ? "" : s.failedPhase() + ": ") + orEmpty(s.failure());
            case "CACHED" -> "cached";
            case "RUNNING" -> orEmpty(s.currentPhase());
            case "SUCCEEDED" ->
                s.regression() != null
                        ? String.format(
                                Locale.ROOT,
                                "REGRESSION: %.1fx its median (expected %.1f s)",
                                s.regression().factor(),
                                s.regression().expectedSeconds())
                        : orEmpty(s.reason());
            default -> orEmpty(s.reason());
        };
    }

    /** The NOTE column of a package as the coordinator returns it. */
    static String note(PackageStatus s) {
        return note(BuildView.Package.of(s));
    }

    private static String orEmpty(String s) {
        return Objects.requireNonNullElse(s, "");
    }
}
