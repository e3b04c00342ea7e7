package dev.lfsfarm.cli.report;

import dev.lfsfarm.proto.v1.PackageStatus;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The report's Gantt chart, inline SVG: a band per worker with a lane per slot used, a bar per
 * run coloured by state, the critical path outlined and linked, a time axis. Each bar carries its
 * figures as {@code data-*} attributes (for the page's tooltip) and a {@code <title>} (for
 * browsers without script).
 */
final class GanttSvg {
    static final int WIDTH = 1100;
    private static final int LABEL_WIDTH = 130;
    private static final int RIGHT = 20;
    private static final int LANE_HEIGHT = 22;
    private static final int BAND_GAP = 6;
    private static final int AXIS_HEIGHT = 30;
    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss.S 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private GanttSvg() {}

    static String render(BuildTimeline timeline) {
        Map<String, List<List<Run>>> lanes = timeline.lanes();
        double span = Math.max(timeline.makespan(), 1e-3);
        double scale = (WIDTH - LABEL_WIDTH - RIGHT) / span;
        int height = AXIS_HEIGHT;
        for (List<List<Run>> band : lanes.values()) {
            height += band.size() * LANE_HEIGHT + BAND_GAP;
        }
        Set<String> critical = new HashSet<>(timeline.criticalPath());
        long criticalRuns =
                timeline.runs().stream().filter(r -> critical.contains(r.id())).count();
        StringBuilder svg = new StringBuilder(1024 + timeline.runs().size() * 600);
        svg.append(String.format(
                Locale.ROOT,
                "<svg id=\"gantt\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                        + "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"Gantt chart of the build\" "
                        + "data-bars=\"%d\" data-critical=\"%d\">%n",
                WIDTH,
                height,
                WIDTH,
                height,
                timeline.runs().size(),
                criticalRuns));
        int y = 0;
        Map<String, double[]> anchors = new java.util.HashMap<>();
        for (Map.Entry<String, List<List<Run>>> band : lanes.entrySet()) {
            int bandHeight = band.getValue().size() * LANE_HEIGHT;
            svg.append(String.format(
                    Locale.ROOT,
                    "<rect class=\"band\" x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\"/>%n",
                    y,
                    WIDTH,
                    bandHeight));
            svg.append(String.format(
                    Locale.ROOT,
                    "<text class=\"worker\" x=\"8\" y=\"%d\">%s" + "<tspan class=\"slots\"> %d slot%s</tspan></text>%n",
                    y + 15,
                    Html.escape(band.getKey()),
                    band.getValue().size(),
                    band.getValue().size() == 1 ? "" : "s"));
            for (int lane = 0; lane < band.getValue().size(); lane++) {
                for (Run run : band.getValue().get(lane)) {
                    double x = LABEL_WIDTH + run.start() * scale;
                    double width = Math.max(run.seconds() * scale, 1);
                    int top = y + lane * LANE_HEIGHT + 2;
                    bar(svg, timeline.origin(), run, x, top, width, critical.contains(run.id()));
                    anchors.put(run.id(), new double[] {x, x + width, top + (LANE_HEIGHT - 4) / 2.0});
                }
            }
            y += bandHeight + BAND_GAP;
        }
        links(svg, timeline.criticalPath(), anchors);
        axis(svg, span, scale, y);
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void bar(
            StringBuilder svg, Instant origin, Run run, double x, int y, double width, boolean critical) {
        PackageStatus p = run.status();
        String state = p.getState().name().replace("PACKAGE_STATE_", "").toLowerCase(Locale.ROOT);
        String start = CLOCK.format(origin.plusNanos(Math.round(run.start() * 1e9)));
        String end = CLOCK.format(origin.plusNanos(Math.round(run.end() * 1e9)));
        String sbu = SbuFigure.of(p).text();
        String estimate = p.getSbuEstimate() > 0
                ? Html.number(p.getSbuEstimate(), 2) + " (" + SbuFigure.source(p.getEstimateSource()) + ")"
                : "none";
        String title = p.getPackageId() + " " + p.getVersion() + " on " + p.getWorker() + ", " + state + "\n"
                + start + " → " + end + " (" + Html.seconds(run.seconds()) + ")\n"
                + "wall " + Html.seconds(p.getWallSeconds()) + ", SBU " + sbu + ", estimate " + estimate
                + (critical ? "\non the critical path" : "");
        svg.append(String.format(
                Locale.ROOT,
                "<g class=\"run\" data-package=\"%s\" data-version=\"%s\" data-worker=\"%s\" "
                        + "data-state=\"%s\" data-start=\"%s\" data-end=\"%s\" data-wall=\"%s\" data-sbu=\"%s\" "
                        + "data-estimate=\"%s\"><title>%s</title>",
                Html.escape(p.getPackageId()),
                Html.escape(p.getVersion()),
                Html.escape(p.getWorker()),
                state,
                Html.escape(start),
                Html.escape(end),
                Html.escape(Html.seconds(p.getWallSeconds())),
                Html.escape(sbu),
                Html.escape(estimate),
                Html.escape(title)));
        svg.append(String.format(
                Locale.ROOT,
                "<rect class=\"bar state-%s%s\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" rx=\"2\"/>",
                state,
                critical ? " critical" : "",
                x,
                y,
                width,
                LANE_HEIGHT - 4));
        if (width > p.getPackageId().length() * 6.5 + 6) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<text class=\"label\" x=\"%.2f\" y=\"%d\">%s</text>",
                    x + 4,
                    y + 13,
                    Html.escape(p.getPackageId())));
        }
        svg.append("</g>\n");
    }

    /** Arrows from each critical run's end to the next one's start (runs only: cached links take no time). */
    private static void links(StringBuilder svg, List<String> path, Map<String, double[]> anchors) {
        double[] previous = null;
        for (String id : path) {
            double[] at = anchors.get(id);
            if (at == null) {
                continue;
            }
            if (previous != null) {
                svg.append(String.format(
                        Locale.ROOT,
                        "<path class=\"critical-link\" d=\"M%.2f %.2f L%.2f %.2f\"/>%n",
                        previous[1],
                        previous[2],
                        at[0],
                        at[2]));
            }
            previous = at;
        }
    }

    private static void axis(StringBuilder svg, double span, double scale, int y) {
        double step = niceStep(span / 10);
        svg.append(String.format(
                Locale.ROOT,
                "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>%n",
                LABEL_WIDTH,
                y,
                WIDTH - RIGHT,
                y));
        for (int i = 0; i * step <= span + 1e-9; i++) {
            double x = LABEL_WIDTH + i * step * scale;
            svg.append(String.format(
                    Locale.ROOT,
                    "<line class=\"axis\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\"/>"
                            + "<text class=\"tick\" x=\"%.2f\" y=\"%d\">%s</text>%n",
                    x,
                    y,
                    x,
                    y + 5,
                    x,
                    y + 18,
                    Html.escape(Html.seconds(i * step))));
        }
    }

    /** 1, 2 or 5 times a power of ten seconds, at least {@code rough}. */
    static double niceStep(double rough) {
        double power = Math.pow(10, Math.floor(Math.log10(Math.max(rough, 1e-3))));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (power * m >= rough) {
                return power * m;
            }
        }
        return power * 10;
    }
}
