package dev.lfsfarm.cli.checkpoint;

import picocli.CommandLine.Command;

/**
 * {@code farm checkpoint ...}: sysroot checkpoints, "the system as it stood after chapter 7".
 * A checkpoint names the artifacts of a build's packages up to one of them, in the order they are
 * unpacked; {@code verify} and {@code restore} download them here through ArtifactService. Each
 * subcommand is a class of this package.
 */
@Command(
        name = "checkpoint",
        mixinStandardHelpOptions = true,
        description = {
            "Sysroot checkpoints: the system a build produced up to a package.",
            "A checkpoint records the artifacts of the build's packages in topological",
            "order; restore unpacks them in that order. gc removes the artifacts nothing",
            "references any more."
        },
        subcommands = {
            CreateCheckpointCommand.class,
            ListCheckpointsCommand.class,
            ShowCheckpointCommand.class,
            VerifyCheckpointCommand.class,
            RestoreCheckpointCommand.class,
            DeleteCheckpointCommand.class,
            CollectGarbageCommand.class
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm checkpoint create lfs-ch7 --build 20261121-101500-3f2a --upto util-linux",
            "  farm checkpoint list",
            "  farm checkpoint verify lfs-ch7",
            "  farm checkpoint restore lfs-ch7 --to /mnt/lfs",
            "  farm checkpoint gc --keep 3 --dry-run"
        })
public final class CheckpointCommand {
    private CheckpointCommand() {}
}
