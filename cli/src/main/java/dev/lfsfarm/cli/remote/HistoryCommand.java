package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.AttemptRecord;
import dev.lfsfarm.proto.v1.GetHistoryRequest;
import dev.lfsfarm.proto.v1.GetHistoryResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code farm history PKG}: a package's recorded attempts on the coordinator and the estimate learned from them. */
@Command(
        name = "history",
        mixinStandardHelpOptions = true,
        description = {
            "Show a package's recorded attempts and the duration estimate learned from them.",
            "Every finished attempt of every build is recorded, with its measurements. The learned estimate is the "
                    + "median SBU of the recent successful attempts, normalised to one core; the scheduler uses it "
                    + "instead of the recipe's sbu."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm history binutils-pass1",
            "  farm history gcc --limit 5",
            "  farm history gcc --json | jq '.attempts[] | select(.regression != null)'"
        })
public final class HistoryCommand extends RemoteCommand {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @Mixin
    Output output;

    @Parameters(paramLabel = "PKG", description = "Package id.")
    String packageId;

    @Option(
            names = {"-n", "--limit"},
            paramLabel = "N",
            defaultValue = "20",
            description = "Show the N most recent attempts; 0 = every kept one (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    protected int run() throws Exception {
        if (limit < 0) {
            throw new UsageException("--limit must be 0 (every attempt) or more, found " + limit);
        }
        GetHistoryResponse history;
        try (CoordinatorSession session = session()) {
            history = HistoryCalls.call(
                    session,
                    s -> s.getHistory(GetHistoryRequest.newBuilder()
                            .setPackageId(packageId)
                            .setLimit(limit)
                            .build()));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                throw Status.NOT_FOUND
                        .withDescription(
                                "no recorded attempts of package '" + packageId + "' on this "
                                        + "coordinator: history starts when an attempt of it finishes (cached packages add none)")
                        .asRuntimeException();
            }
            throw e;
        }
        PrintWriter out = out();
        if (output.json()) {
            JsonViews.write(out, HistoryView.of(packageId, history));
        } else {
            text(out, history);
        }
        return ExitCodes.OK;
    }

    static void text(PrintWriter out, GetHistoryResponse history) {
        out.printf(
                Locale.ROOT,
                "History of %s: %d attempt%s%n%n",
                history.getHistory().getPackageId(),
                history.getHistory().getRecordsCount(),
                history.getHistory().getRecordsCount() == 1 ? "" : "s");
        String row = "%-19s  %-22s  %-14s %5s  %-9s %9s %9s %9s %7s %9s  %s%n";
        out.printf(
                Locale.ROOT,
                row,
                "FINISHED",
                "BUILD",
                "WORKER",
                "CORES",
                "OUTCOME",
                "WALL",
                "CPU",
                "PEAK RSS",
                "SBU",
                "DISK",
                "REGRESSION");
        for (AttemptRecord a : history.getHistory().getRecordsList()) {
            out.printf(
                    Locale.ROOT,
                    row,
                    finished(a),
                    a.getBuildId(),
                    a.getWorker(),
                    a.getCores(),
                    outcome(a),
                    Tables.seconds(a.getWallSeconds()),
                    Tables.seconds(a.getCpuSeconds()),
                    Tables.bytes(a.getPeakRssBytes()),
                    a.getSbu() > 0 ? String.format(Locale.ROOT, "%.2f", a.getSbu()) : "-",
                    Tables.bytes(a.getDiskUsedBytes()),
                    regression(a));
        }
        out.println();
        if (history.getSamples() > 0) {
            out.printf(
                    Locale.ROOT,
                    "Learned estimate: %.2f SBU on one core (median of %d successful attempt%s).%n",
                    history.getLearnedSbu(),
                    history.getSamples(),
                    history.getSamples() == 1 ? "" : "s");
        } else {
            out.println("Learned estimate: none yet (no successful attempt): the scheduler uses the recipe's sbu.");
        }
        out.flush();
    }

    static String finished(AttemptRecord a) {
        return a.hasFinishedAt()
                ? WHEN.format(ProtoTime.instant(a.getFinishedAt()).atZone(ZoneId.systemDefault()))
                : "-";
    }

    static String outcome(AttemptRecord a) {
        return a.getOutcome().name().replace("ATTEMPT_OUTCOME_", "");
    }

    /** "!! 2.3x median (41.0 s)" for a flagged attempt, empty otherwise. */
    static String regression(AttemptRecord a) {
        if (!a.hasRegression()) {
            return "";
        }
        return String.format(
                Locale.ROOT,
                "!! %.1fx median (%s)",
                a.getRegression().getFactor(),
                Tables.seconds(a.getRegression().getExpectedSeconds()));
    }
}
