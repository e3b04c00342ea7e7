package dev.lfsfarm.cli.report;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.cli.remote.RemoteBuilds;
import dev.lfsfarm.cli.remote.RemoteCommand;
import dev.lfsfarm.proto.v1.Build;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code farm report BUILD [--html FILE]}: how a build went, as a summary or a self-contained HTML page. */
@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = {
            "Report how a build went: wall time, makespan against the lower bound, cache hits, retries,",
            "regressions, the critical path and how busy each worker was.",
            "With --html, also write one self-contained HTML page (no external files): a Gantt chart with a row per",
            "worker slot, bars coloured by state, the critical path outlined and hover details, worker utilisation,",
            "the slowest packages, regressions and the log tail of every failed package."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm report 20261121-101500-3f2a",
            "  farm report 20261121-101500-3f2a --html build.html && xdg-open build.html",
            "  farm report 20261121-101500-3f2a --html build.html --top 20 --zk zk1:2181"
        })
public final class ReportCommand extends RemoteCommand {

    @Parameters(paramLabel = "BUILD", description = "Build id.")
    String buildId;

    @Option(names = "--html", paramLabel = "FILE", description = "Write the report as one HTML page to FILE.")
    Path html;

    @Option(
            names = "--top",
            paramLabel = "N",
            defaultValue = "10",
            description = "How many of the slowest packages to list (default: ${DEFAULT-VALUE}).")
    int top;

    @Override
    protected int run() throws Exception {
        if (top < 1) {
            throw new UsageException("--top must be at least 1, not " + top);
        }
        if (html != null) {
            Path folder = html.toAbsolutePath().getParent();
            if (folder == null || !Files.isDirectory(folder)) {
                throw new UsageException("--html " + html + ": the folder " + folder + " does not exist");
            }
            if (Files.isDirectory(html)) {
                throw new UsageException("--html " + html + " is a folder; give a file name such as build.html");
            }
        }
        Build build = RemoteBuilds.get(coordinator(), buildId);
        BuildReport report = new BuildReport(build, Instant.now(), top);
        ReportText.print(out(), report);
        if (html != null) {
            try {
                Files.writeString(html, HtmlReport.render(report), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write --html " + html + ": " + e.getMessage(), e);
            }
            err().println("farm: wrote the report of build " + buildId + " to " + html);
            err().flush();
        }
        return ExitCodes.OK;
    }
}
