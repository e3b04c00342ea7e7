package dev.lfsfarm.common.report;

import dev.lfsfarm.common.simulate.ScheduledRun;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Renders a schedule as a standalone SVG Gantt chart: one band per worker, split into lanes where
 * packages overlap, a bar per package (hover shows id, times and cores), the critical path in red,
 * and a time axis. Plain SVG 1.1 with no script, so any browser or image viewer opens it.
 */
public final class GanttChart {
    private static final int WIDTH = 1200;
    private static final int LABEL_WIDTH = 110;
    private static final int LANE_HEIGHT = 18;
    private static final int BAND_GAP = 8;
    private static final int TOP = 48;
    private static final int AXIS = 36;

    private GanttChart() {}

    /**
     * @param title shown at the top
     * @param schedule the packages to draw
     * @param workers worker names in display order
     * @param criticalPath ids to highlight
     */
    public static String svg(
            String title, List<ScheduledRun> schedule, List<String> workers, List<String> criticalPath) {
        Map<String, List<List<ScheduledRun>>> lanes = layOut(schedule, workers);
        long makespan =
                schedule.stream().mapToLong(ScheduledRun::endMicros).max().orElse(1);
        double scale = (WIDTH - LABEL_WIDTH - 20) / (double) Math.max(makespan, 1);
        int height = TOP + AXIS;
        for (List<List<ScheduledRun>> band : lanes.values()) {
            height += Math.max(1, band.size()) * LANE_HEIGHT + BAND_GAP;
        }
        Set<String> critical = new HashSet<>(criticalPath);
        StringBuilder svg = new StringBuilder(256 + schedule.size() * 200);
        svg.append(String.format(
                Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                        + "font-family=\"sans-serif\" font-size=\"11\">%n",
                WIDTH,
                height,
                WIDTH,
                height));
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">%s</text>%n",
                escape(title)));
        svg.append(String.format(
                Locale.ROOT,
                "<text x=\"10\" y=\"38\" fill=\"#555\">makespan %s · %d packages · "
                        + "<tspan fill=\"#c0392b\">■ critical path</tspan> · <tspan fill=\"#3b7dd8\">■ other packages</tspan></text>%n",
                escape(Seconds.human(makespan)),
                schedule.size()));
        int y = TOP;
        for (Map.Entry<String, List<List<ScheduledRun>>> band : lanes.entrySet()) {
            int bandHeight = Math.max(1, band.getValue().size()) * LANE_HEIGHT;
            svg.append(String.format(
                    Locale.ROOT,
                    "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f4f6f8\"/>%n",
                    y,
                    WIDTH,
                    bandHeight));
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"8\" y=\"%d\" font-weight=\"bold\">%s</text>%n",
                    y + 13,
                    escape(band.getKey())));
            for (int lane = 0; lane < band.getValue().size(); lane++) {
                for (ScheduledRun run : band.getValue().get(lane)) {
                    bar(
                            svg,
                            run,
                            LABEL_WIDTH + run.startMicros() * scale,
                            y + lane * LANE_HEIGHT,
                            run.durationMicros() * scale,
                            critical.contains(run.id()));
                }
            }
            y += bandHeight + BAND_GAP;
        }
        axis(svg, makespan, scale, y);
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void bar(StringBuilder svg, ScheduledRun run, double x, int y, double width, boolean critical) {
        String fill = critical ? "#c0392b" : "#3b7dd8";
        svg.append(String.format(
                Locale.ROOT,
                "<g class=\"package%s\"><title>%s: %s → %s (%s, %d core%s)</title>"
                        + "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" rx=\"2\" fill=\"%s\" stroke=\"white\" stroke-width=\"0.5\"/>",
                critical ? " critical" : "",
                escape(run.id()),
                Seconds.human(run.startMicros()),
                Seconds.human(run.endMicros()),
                Seconds.human(run.durationMicros()),
                run.cores(),
                run.cores() == 1 ? "" : "s",
                x,
                y + 1,
                Math.max(width, 0.5),
                LANE_HEIGHT - 2,
                fill));
        if (width > run.id().length() * 6.2 + 4) {
            svg.append(String.format(
                    Locale.ROOT,
                    "<text x=\"%.2f\" y=\"%d\" fill=\"white\">%s</text>",
                    x + 3,
                    y + LANE_HEIGHT - 5,
                    escape(run.id())));
        }
        svg.append("</g>\n");
    }

    private static void axis(StringBuilder svg, long makespan, double scale, int y) {
        long step = niceStep(makespan / 10.0);
        svg.append(String.format(
                Locale.ROOT,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
                LABEL_WIDTH,
                y,
                WIDTH - 20,
                y));
        for (long t = 0; t <= makespan; t += step) {
            double x = LABEL_WIDTH + t * scale;
            svg.append(String.format(
                    Locale.ROOT,
                    "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"#333\"/>"
                            + "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" fill=\"#333\">%s</text>%n",
                    x,
                    y,
                    x,
                    y + 5,
                    x,
                    y + 18,
                    escape(Seconds.human(t))));
        }
    }

    /** 1, 2 or 5 times a power of ten, in µs, at least {@code rough}. */
    private static long niceStep(double rough) {
        long power = 1;
        while (power * 10 <= rough) {
            power *= 10;
        }
        for (long m : new long[] {1, 2, 5, 10}) {
            if (power * m >= rough) {
                return Math.max(1, power * m);
            }
        }
        return power * 10;
    }

    /** Puts each run in the first lane of its worker that is free at its start. */
    private static Map<String, List<List<ScheduledRun>>> layOut(List<ScheduledRun> schedule, List<String> workers) {
        Map<String, List<List<ScheduledRun>>> lanes = new LinkedHashMap<>();
        workers.forEach(w -> lanes.put(w, new ArrayList<>()));
        List<ScheduledRun> byStart = new ArrayList<>(schedule);
        byStart.sort(
                java.util.Comparator.comparingLong(ScheduledRun::startMicros).thenComparing(ScheduledRun::id));
        for (ScheduledRun run : byStart) {
            List<List<ScheduledRun>> band = lanes.computeIfAbsent(run.worker(), w -> new ArrayList<>());
            List<ScheduledRun> free = null;
            for (List<ScheduledRun> lane : band) {
                if (lane.get(lane.size() - 1).endMicros() <= run.startMicros()) {
                    free = lane;
                    break;
                }
            }
            if (free == null) {
                free = new ArrayList<>();
                band.add(free);
            }
            free.add(run);
        }
        return lanes;
    }

    static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
