package dev.lfsfarm.cli.report;

import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.Regression;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a {@link BuildReport} as one self-contained HTML page: the style, the chart (SVG) and the
 * script are inline, nothing is loaded from elsewhere, so the file can be mailed or archived as is.
 */
public final class HtmlReport {
    /** Collects script errors before the page's own script runs, for people and for the browser test. */
    private static final String ERROR_TRAP = "window.addEventListener('error', function (e) {"
            + " var el = document.getElementById('script-errors');"
            + " if (el) { el.textContent += 'script error: ' + (e.message || e) + '\\n'; } });";

    private HtmlReport() {}

    public static String render(BuildReport report) {
        Build b = report.build();
        StringBuilder html = new StringBuilder(16384);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>Build ")
                .append(Html.escape(b.getBuildId()))
                .append(" (")
                .append(Html.escape(b.getBookName()))
                .append(")</title>\n<style>\n")
                .append(resource("report.css"))
                .append("</style>\n<script>")
                .append(ERROR_TRAP)
                .append("</script>\n</head>\n<body>\n");
        html.append("<h1>Build ")
                .append(Html.escape(b.getBuildId()))
                .append("</h1>\n<p class=\"subtitle\">book ")
                .append(Html.escape(b.getBookName()))
                .append(", profile ")
                .append(Html.escape(b.getProfile()))
                .append(", report made ")
                .append(DateTimeFormatter.ISO_INSTANT.format(report.generatedAt()))
                .append("</p>\n");
        html.append("<pre id=\"script-errors\"></pre>\n");
        summary(html, report);
        chart(html, report);
        utilisation(html, report.timeline());
        slowest(html, report);
        regressions(html, report.regressions());
        failed(html, report.failed());
        html.append("<div id=\"tooltip\"></div>\n<script>\n")
                .append(resource("report.js"))
                .append("</script>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void summary(StringBuilder html, BuildReport report) {
        Build b = report.build();
        BuildTimeline t = report.timeline();
        html.append("<h2>Summary</h2>\n<dl class=\"summary\">\n");
        row(
                html,
                "targets",
                b.getTargetsCount() == 0 ? "every package of the book" : String.join(", ", b.getTargetsList()));
        html.append("<dt>result</dt><dd class=\"result-")
                .append(report.result().toLowerCase(Locale.ROOT))
                .append("\">")
                .append(report.result())
                .append(b.getMessage().isEmpty() ? "" : " — " + Html.escape(b.getMessage()))
                .append("</dd>\n");
        row(
                html,
                "packages",
                b.getProgress().getTotal() + " (" + b.getProgress().getSucceeded() + " built, "
                        + b.getProgress().getCached() + " cached, "
                        + b.getProgress().getFailed() + " failed, "
                        + b.getProgress().getSkipped() + " skipped)");
        row(html, "wall time", Html.seconds(report.wallSeconds()) + " (build started → finished)");
        row(html, "makespan", Html.seconds(t.makespan()) + " (start → last package finished)");
        row(
                html,
                "lower bound",
                Html.seconds(t.lowerBound()) + " = max(critical path " + Html.seconds(t.longestChain())
                        + ", busy " + Html.seconds(t.busy()) + " / " + t.slots() + " slot" + (t.slots() == 1 ? "" : "s")
                        + " = "
                        + Html.seconds(t.averageWork()) + ")"
                        + (t.makespan() > 0
                                ? "; makespan is " + Html.number(t.makespan() / Math.max(t.lowerBound(), 1e-9), 2)
                                        + "× the bound"
                                : ""));
        row(html, "cache hits", Long.toString(report.cacheHits()));
        row(
                html,
                "retries",
                report.retried().size() + " package" + (report.retried().size() == 1 ? "" : "s")
                        + " needed more than one attempt"
                        + (report.retried().isEmpty()
                                ? ""
                                : ": "
                                        + String.join(
                                                ", ",
                                                report.retried().stream()
                                                        .map(p -> p.getPackageId() + " ×" + p.getAttempts())
                                                        .toList())));
        row(html, "regressions", Integer.toString(report.regressions().size()));
        html.append("</dl>\n");
    }

    private static void row(StringBuilder html, String name, String value) {
        html.append("<dt>")
                .append(Html.escape(name))
                .append("</dt><dd>")
                .append(Html.escape(value))
                .append("</dd>\n");
    }

    private static void chart(StringBuilder html, BuildReport report) {
        BuildTimeline t = report.timeline();
        html.append("<h2>Timeline</h2>\n<p class=\"legend\">");
        for (String state : List.of("succeeded", "failed", "cancelled", "running")) {
            html.append("<span><i class=\"state-")
                    .append(state)
                    .append("\"></i>")
                    .append(state)
                    .append("</span>");
        }
        html.append("<span><i class=\"critical\"></i>critical path</span></p>\n");
        if (t.runs().isEmpty()) {
            html.append("<p class=\"none\">No package ran on a worker in this build (everything came from the cache"
                    + " or nothing started).</p>\n");
        }
        html.append("<div class=\"chart\">\n").append(GanttSvg.render(t)).append("</div>\n");
        html.append("<p>Critical path (")
                .append(t.criticalPath().size())
                .append(" packages): ")
                .append(Html.escape(t.criticalPath().isEmpty() ? "none" : String.join(" → ", t.criticalPath())))
                .append("</p>\n");
    }

    private static void utilisation(StringBuilder html, BuildTimeline t) {
        html.append(
                "<h2>Workers</h2>\n<table class=\"workers\">\n<tr><th>worker</th><th class=\"num\">slots used</th>"
                        + "<th class=\"num\">packages</th><th class=\"num\">busy</th><th class=\"num\">utilisation</th></tr>\n");
        for (Map.Entry<String, List<List<Run>>> w : t.lanes().entrySet()) {
            List<Run> runs = w.getValue().stream().flatMap(List::stream).toList();
            html.append("<tr><td>")
                    .append(Html.escape(w.getKey()))
                    .append("</td><td class=\"num\">")
                    .append(w.getValue().size())
                    .append("</td><td class=\"num\">")
                    .append(runs.size())
                    .append("</td><td class=\"num\">")
                    .append(Html.seconds(runs.stream().mapToDouble(Run::seconds).sum()))
                    .append("</td><td class=\"num\">")
                    .append(Html.percent(t.utilisation(w.getKey())))
                    .append("</td></tr>\n");
        }
        html.append("</table>\n<p class=\"none\">Utilisation: busy time / (slots used × makespan).</p>\n");
    }

    private static void slowest(StringBuilder html, BuildReport report) {
        html.append("<h2>Slowest packages</h2>\n");
        List<PackageStatus> slowest = report.slowest();
        if (slowest.isEmpty()) {
            html.append("<p class=\"none\">None ran.</p>\n");
            return;
        }
        html.append(
                "<table class=\"slowest\">\n<tr><th>package</th><th>version</th><th>worker</th><th class=\"num\">wall</th>"
                        + "<th class=\"num\">SBU</th></tr>\n");
        for (PackageStatus p : slowest) {
            html.append("<tr><td>")
                    .append(Html.escape(p.getPackageId()))
                    .append("</td><td>")
                    .append(Html.escape(p.getVersion()))
                    .append("</td><td>")
                    .append(Html.escape(p.getWorker()))
                    .append("</td><td class=\"num\">")
                    .append(Html.seconds(p.getWallSeconds()))
                    .append("</td><td class=\"num\">")
                    .append(Html.escape(SbuFigure.of(p).text()))
                    .append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private static void regressions(StringBuilder html, List<PackageStatus> regressions) {
        html.append("<h2>Regressions</h2>\n");
        if (regressions.isEmpty()) {
            html.append("<p class=\"none\">None: no package took longer than its history says it should.</p>\n");
            return;
        }
        html.append("<table class=\"regressions\">\n<tr><th>package</th><th>worker</th><th class=\"num\">wall</th>"
                + "<th class=\"num\">expected</th><th class=\"num\">factor</th><th class=\"num\">threshold</th>"
                + "<th class=\"num\">samples</th></tr>\n");
        for (PackageStatus p : regressions) {
            Regression r = p.getRegression();
            html.append("<tr><td>")
                    .append(Html.escape(p.getPackageId()))
                    .append("</td><td>")
                    .append(Html.escape(p.getWorker()))
                    .append("</td><td class=\"num\">")
                    .append(Html.seconds(p.getWallSeconds()))
                    .append("</td><td class=\"num\">")
                    .append(Html.seconds(r.getExpectedSeconds()))
                    .append("</td><td class=\"num\">")
                    .append(Html.number(r.getFactor(), 2))
                    .append("×</td><td class=\"num\">")
                    .append(Html.number(r.getThreshold(), 2))
                    .append("×</td><td class=\"num\">")
                    .append(r.getSamples())
                    .append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private static void failed(StringBuilder html, List<PackageStatus> failed) {
        html.append("<h2>Failed packages</h2>\n");
        if (failed.isEmpty()) {
            html.append("<p class=\"none\">None.</p>\n");
            return;
        }
        for (PackageStatus p : failed) {
            html.append("<h3 class=\"failed\">")
                    .append(Html.escape(p.getPackageId()))
                    .append(' ')
                    .append(Html.escape(p.getVersion()))
                    .append("</h3>\n<p>")
                    .append(Html.escape(reason(p)))
                    .append(p.getWorker().isEmpty() ? "" : " on " + Html.escape(p.getWorker()))
                    .append("</p>\n");
            html.append(
                    p.getLogTail().isEmpty()
                            ? "<p class=\"none\">No log output.</p>\n"
                            : "<pre class=\"log\">" + Html.escape(p.getLogTail()) + "</pre>\n");
        }
    }

    /** The coordinator's one-line reason, or what the exit status says when it gave none. */
    private static String reason(PackageStatus p) {
        if (!p.getFailureReason().isEmpty()) {
            return p.getFailureReason();
        }
        return p.getFailedPhase().isEmpty()
                ? "failed (exit " + p.getExitCode() + ")"
                : "phase " + p.getFailedPhase() + " exited " + p.getExitCode();
    }

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the farm jar lacks " + name + " (dev/lfsfarm/cli/report)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
