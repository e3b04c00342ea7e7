package dev.lfsfarm.cli.report;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.remote.JsonViews;
import dev.lfsfarm.cli.remote.Output;
import dev.lfsfarm.cli.remote.RemoteBuilds;
import dev.lfsfarm.cli.remote.RemoteCommand;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code farm sbu-report BUILD}: the LFS book's SBU / disk / time table for one build. */
@Command(
        name = "sbu-report",
        mixinStandardHelpOptions = true,
        description = {
            "Print the LFS book's table for a build: per package its build time in SBU, the disk its build",
            "used and its wall time, with totals, in build order.",
            "SBU is measured on calibrated workers; otherwise the coordinator's estimate is shown, marked ~ with its",
            "source (book: the recipe's sbu; learned: the package's history). A cached package shows what its",
            "original build cost."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm sbu-report 20261121-101500-3f2a",
            "  farm sbu-report 20261121-101500-3f2a --sort sbu",
            "  farm sbu-report 20261121-101500-3f2a --json | jq '.packages[] | {id, sbu}'"
        })
public final class SbuReportCommand extends RemoteCommand {

    @Mixin
    Output output;

    @Parameters(paramLabel = "BUILD", description = "Build id.")
    String buildId;

    @Option(
            names = "--sort",
            paramLabel = "ORDER",
            defaultValue = "build",
            description = "build (the book's order), sbu, time or disk (largest first; default: ${DEFAULT-VALUE}).")
    SbuTable.Order sort;

    @Override
    protected int run() throws Exception {
        SbuTable table = SbuTable.of(RemoteBuilds.get(coordinator(), buildId), sort);
        PrintWriter out = out();
        if (output.json()) {
            JsonViews.write(out, SbuReportView.of(table));
        } else {
            text(out, table);
        }
        return ExitCodes.OK;
    }

    static void text(PrintWriter out, SbuTable table) {
        var b = table.build();
        out.printf(
                Locale.ROOT,
                "Build %s: %s (%s, profile %s)%n%n",
                b.getBuildId(),
                b.getState().name().replace("BUILD_STATE_", ""),
                b.getBookName(),
                b.getProfile());
        int id = Math.max(
                7, table.rows().stream().mapToInt(r -> r.id().length()).max().orElse(7));
        int version = Math.max(
                7,
                table.rows().stream().mapToInt(r -> r.version().length()).max().orElse(7));
        String row = "%-" + id + "s  %-" + version + "s  %16s  %8s  %12s  %s%n";
        out.printf(Locale.ROOT, row, "PACKAGE", "VERSION", "SBU", "DISK", "TIME", "NOTE");
        boolean estimates = false;
        for (SbuTable.Row r : table.rows()) {
            estimates |= r.sbu().estimated();
            out.printf(
                    Locale.ROOT,
                    row,
                    r.id(),
                    r.version(),
                    r.sbu().text(),
                    DiskSize.human(r.diskBytes()),
                    r.wallSeconds() > 0 ? Html.seconds(r.wallSeconds()) : "-",
                    SbuTable.note(r));
        }
        out.printf(
                Locale.ROOT,
                "%n%-" + (id + version + 2) + "s  %16s  %8s  %12s%n",
                "TOTAL (" + table.rows().size() + " packages)",
                table.sbuTotalText(),
                DiskSize.human(table.diskBytes()),
                Html.seconds(table.wallSeconds()));
        if (estimates) {
            out.println();
            out.println("~ estimate, not measured (the worker was not calibrated, or the package did not run):");
            out.println("  book = the recipe's sbu, learned = the median of the package's history.");
        }
        out.flush();
    }
}
