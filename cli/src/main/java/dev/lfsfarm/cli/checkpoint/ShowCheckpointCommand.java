package dev.lfsfarm.cli.checkpoint;

import dev.lfsfarm.cli.remote.ViewCommand;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code farm checkpoint show}: one checkpoint and its packages in restore order. */
@Command(
        name = "show",
        mixinStandardHelpOptions = true,
        description = "Show a checkpoint and its packages in restore order.",
        footerHeading = "%nExamples:%n",
        footer = {"  farm checkpoint show lfs-ch7", "  farm checkpoint show lfs-ch7 -o json"})
public final class ShowCheckpointCommand extends ViewCommand<CheckpointView> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Checkpoint name.")
    String name;

    @Override
    protected CheckpointView view() throws Exception {
        return CheckpointView.of(remote((stub, channel) -> CheckpointCalls.get(channel, name)), true, null);
    }

    @Override
    protected void printText(CheckpointView c, PrintWriter out) {
        out.printf(
                Locale.ROOT,
                "Checkpoint %s: build %s (%s), %s, %d packages, %s of artifacts, created %s%n",
                c.name(),
                c.buildId(),
                c.book(),
                c.upto() == null ? "whole build" : "up to " + c.upto(),
                c.packageCount(),
                Quantities.size(c.artifactBytes()),
                c.createdAt());
        int width = Math.max(
                7, c.entries().stream().mapToInt(e -> e.id().length()).max().orElse(7));
        out.printf(
                Locale.ROOT,
                "%n  %4s  %-" + width + "s  %-12s %10s  %s%n",
                "#",
                "PACKAGE",
                "VERSION",
                "SIZE",
                "ARTIFACT");
        int n = 0;
        for (CheckpointView.Entry e : c.entries()) {
            out.printf(
                    Locale.ROOT,
                    "  %4d  %-" + width + "s  %-12s %10s  %s%n",
                    ++n,
                    e.id(),
                    e.version(),
                    Quantities.size(e.artifactBytes()),
                    e.artifact());
        }
    }
}
