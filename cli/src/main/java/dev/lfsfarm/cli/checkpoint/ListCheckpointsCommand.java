package dev.lfsfarm.cli.checkpoint;

import dev.lfsfarm.cli.remote.ViewCommand;
import dev.lfsfarm.proto.v1.ListCheckpointsRequest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code farm checkpoint list}: every checkpoint, newest first. */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "List the checkpoints, newest first.",
        footerHeading = "%nExamples:%n",
        footer = {"  farm checkpoint list", "  farm checkpoint list -o json | jq -r '.checkpoints[].name'"})
public final class ListCheckpointsCommand extends ViewCommand<ListCheckpointsCommand.CheckpointList> {

    /** The JSON document: the checkpoints without their entries. */
    record CheckpointList(List<CheckpointView> checkpoints) {}

    @Override
    protected CheckpointList view() throws Exception {
        return new CheckpointList(
                remote((stub, channel) -> CheckpointCalls.checkpoints(channel)
                        .listCheckpoints(ListCheckpointsRequest.getDefaultInstance())
                        .getCheckpointsList()
                        .stream()
                        .map(c -> CheckpointView.of(c, false, null))
                        .toList()));
    }

    @Override
    protected void printText(CheckpointList list, PrintWriter out) {
        List<CheckpointView> all = list.checkpoints();
        int width =
                Math.max(4, all.stream().mapToInt(c -> c.name().length()).max().orElse(4));
        out.printf(
                Locale.ROOT,
                "%-" + width + "s  %-22s %-16s %8s %10s  %s%n",
                "NAME",
                "BUILD",
                "UPTO",
                "PACKAGES",
                "SIZE",
                "CREATED");
        for (CheckpointView c : all) {
            out.printf(
                    Locale.ROOT,
                    "%-" + width + "s  %-22s %-16s %8d %10s  %s%n",
                    c.name(),
                    c.buildId(),
                    c.upto() == null ? "(all)" : c.upto(),
                    c.packageCount(),
                    Quantities.size(c.artifactBytes()),
                    c.createdAt());
        }
    }
}
