package dev.lfsfarm.cli.report;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The report's summary as text, for the terminal: what the HTML page opens with. */
final class ReportText {
    private ReportText() {}

    static void print(PrintWriter out, BuildReport report) {
        var b = report.build();
        BuildTimeline t = report.timeline();
        out.printf(
                Locale.ROOT,
                "Build %s: %s (%s, profile %s)%n",
                b.getBuildId(),
                report.result(),
                b.getBookName(),
                b.getProfile());
        out.printf(Locale.ROOT, "  wall time      %s%n", Html.seconds(report.wallSeconds()));
        out.printf(Locale.ROOT, "  makespan       %s%n", Html.seconds(t.makespan()));
        out.printf(
                Locale.ROOT,
                "  lower bound    %s (max of critical path %s, busy %s / %d slots = %s)%n",
                Html.seconds(t.lowerBound()),
                Html.seconds(t.longestChain()),
                Html.seconds(t.busy()),
                t.slots(),
                Html.seconds(t.averageWork()));
        out.printf(Locale.ROOT, "  cache hits     %d%n", report.cacheHits());
        out.printf(Locale.ROOT, "  retries        %d%n", report.retried().size());
        out.printf(Locale.ROOT, "  regressions    %d%n", report.regressions().size());
        out.printf(Locale.ROOT, "  failed         %d%n", report.failed().size());
        out.printf(
                Locale.ROOT,
                "  critical path  %s%n",
                t.criticalPath().isEmpty() ? "-" : String.join(" → ", t.criticalPath()));
        if (!t.lanes().isEmpty()) {
            out.printf(Locale.ROOT, "%n  %-14s %5s %9s %11s%n", "WORKER", "SLOTS", "PACKAGES", "UTILISATION");
            for (Map.Entry<String, List<List<Run>>> w : t.lanes().entrySet()) {
                out.printf(
                        Locale.ROOT,
                        "  %-14s %5d %9d %11s%n",
                        w.getKey(),
                        w.getValue().size(),
                        w.getValue().stream().mapToInt(List::size).sum(),
                        Html.percent(t.utilisation(w.getKey())));
            }
        }
        out.flush();
    }
}
