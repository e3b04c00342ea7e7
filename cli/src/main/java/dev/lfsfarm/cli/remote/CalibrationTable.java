package dev.lfsfarm.cli.remote;

import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/** What {@code farm calibrate} prints: a table (or JSON) of the workers' new and previous speeds, and each failure. */
final class CalibrationTable {
    /** Lines of a failed build's log shown under its error. */
    private static final int LOG_TAIL_LINES = 15;

    private CalibrationTable() {}

    static void print(
            PrintWriter out, PrintWriter err, ReferenceBook reference, List<CalibrationResult> results, boolean json) {
        for (CalibrationResult r : results) {
            if (!r.succeeded()) {
                failure(err, r);
            } else if (!r.recorded()) {
                err.println("farm: warning: the coordinator lists no calibration from build "
                        + r.build().getBuildId() + " for " + r.worker() + " (is it older than this farm command?)");
            }
        }
        err.flush();
        if (json) {
            json(out, reference, results);
            return;
        }
        int width = Math.max(
                6, results.stream().mapToInt(r -> r.worker().length()).max().orElse(6));
        String row = "%-" + width + "s  %-10s  %-24s  %9s  %s%n";
        out.printf(Locale.ROOT, row, "WORKER", "S/SBU", "PREVIOUS", "WALL", "BUILD");
        for (CalibrationResult r : results) {
            String now = !r.succeeded()
                    ? BuildJson.state(r.build())
                    : r.recorded() ? Tables.seconds(r.stored().getSecondsPerSbu()) : "?";
            String wall = r.succeeded() ? Tables.seconds(r.recipeWallSeconds()) : "-";
            out.printf(
                    Locale.ROOT,
                    row,
                    r.worker(),
                    now,
                    previous(r.previous()),
                    wall,
                    r.build().getBuildId());
        }
        out.printf(
                Locale.ROOT,
                "%nReference: %s %s, %s SBU on one core%s.%n",
                reference.recipe().id(),
                reference.recipe().version(),
                Tables.number(reference.recipe().sbu()),
                reference.shipped() ? " (the shipped reference book)" : " (" + reference.folder() + ")");
        out.flush();
    }

    private static String previous(WorkerSpeed speed) {
        return speed == null
                ? "none"
                : Tables.seconds(speed.getSecondsPerSbu()) + " (" + HistoryCalls.source(speed) + ")";
    }

    /** The reason and the end of the log of a failed calibration build, on stderr. */
    private static void failure(PrintWriter err, CalibrationResult r) {
        PackageStatus p = r.reference();
        String reason = BuildText.note(p);
        err.println("farm: error: calibration of " + r.worker() + " failed (build "
                + r.build().getBuildId() + ", " + BuildJson.state(r.build()) + ")"
                + (reason == null || reason.isEmpty() ? "" : ": " + reason));
        String[] lines = p.getLogTail().split("\n");
        if (!p.getLogTail().isEmpty()) {
            err.println(
                    "farm: last lines of its log (farm logs " + r.build().getBuildId() + " " + p.getPackageId() + "):");
            for (int i = Math.max(0, lines.length - LOG_TAIL_LINES); i < lines.length; i++) {
                err.println("  | " + lines[i]);
            }
        }
    }

    private static void json(PrintWriter out, ReferenceBook reference, List<CalibrationResult> results) {
        JsonViews.write(out, CalibrationView.of(reference, results));
    }
}
