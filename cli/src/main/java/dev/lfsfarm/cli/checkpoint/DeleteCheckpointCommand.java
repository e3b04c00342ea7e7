package dev.lfsfarm.cli.checkpoint;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.remote.RemoteCommand;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.DeleteCheckpointRequest;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code farm checkpoint delete}: removes a checkpoint (its blobs stay until gc). */
@Command(
        name = "delete",
        mixinStandardHelpOptions = true,
        description = {
            "Delete a checkpoint.",
            "Its artifacts stay in the store until 'farm checkpoint gc' finds that",
            "nothing references them."
        },
        footerHeading = "%nExamples:%n",
        footer = {"  farm checkpoint delete lfs-ch7-old"})
public final class DeleteCheckpointCommand extends RemoteCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "Checkpoint name.")
    String name;

    @Override
    protected int run() throws Exception {
        Checkpoint c = remote((stub, channel) -> CheckpointCalls.checkpoints(channel)
                .deleteCheckpoint(
                        DeleteCheckpointRequest.newBuilder().setName(name).build())
                .getCheckpoint());
        out().printf(
                        Locale.ROOT,
                        "Deleted checkpoint %s (build %s, %d packages)%n",
                        c.getName(),
                        c.getBuildId(),
                        c.getPackageCount());
        out().flush();
        return ExitCodes.OK;
    }
}
