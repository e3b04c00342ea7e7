package dev.lfsfarm.cli.checkpoint;

import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.cli.remote.ViewCommand;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.checkpoint.CheckpointRestorer;
import dev.lfsfarm.common.checkpoint.RestoreSummary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code farm checkpoint restore}: a checkpoint's system unpacked here by {@link CheckpointRestorer}. */
@Command(
        name = "restore",
        mixinStandardHelpOptions = true,
        description = {
            "Unpack a checkpoint's system into a folder.",
            "Downloads its artifacts (each checked against its sha256) and unpacks them",
            "into DIR in the recorded order; a later package's file replaces an earlier",
            "one's. Unpacking refuses absolute paths, '..' and links leading out of DIR.",
            "DIR must be empty unless --force."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm checkpoint restore lfs-ch7 --to /mnt/lfs",
            "  farm checkpoint restore lfs-ch7 --to /tmp/sysroot --force -o json"
        })
public final class RestoreCheckpointCommand extends ViewCommand<RestoreCheckpointCommand.Restored> {
    @Parameters(index = "0", paramLabel = "NAME", description = "Checkpoint name.")
    String name;

    @Option(
            names = "--to",
            paramLabel = "DIR",
            required = true,
            description = "Folder to restore into (created if missing).")
    Path to;

    @Option(names = "--force", description = "Unpack into DIR even if it is not empty.")
    boolean force;

    /** The JSON document: where it went and the restored tree as the manifests describe it. */
    record Restored(
            String checkpoint, String to, int packages, long files, long directories, long symlinks, long fileBytes) {
        static Restored of(String checkpoint, Path to, RestoreSummary s) {
            return new Restored(
                    checkpoint, to.toString(), s.packages(), s.files(), s.directories(), s.symlinks(), s.fileBytes());
        }
    }

    @Override
    protected Restored view() throws Exception {
        Path target = to.toAbsolutePath().normalize();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new UsageException(target + " exists and is not a folder");
            }
            if (!force && !isEmpty(target)) {
                throw new UsageException(target + " is not empty; restore into an empty folder, or add --force to "
                        + "unpack over what is there");
            }
        }
        RestoreSummary summary = remote((stub, channel) -> new CheckpointRestorer(new ArtifactClient(channel))
                .restore(CheckpointCalls.get(channel, name), target));
        return Restored.of(name, target, summary);
    }

    @Override
    protected void printText(Restored r, PrintWriter out) {
        out.printf(
                Locale.ROOT,
                "Restored checkpoint %s into %s: %d packages, %d files (%s), %d folders, %d symlinks%n",
                r.checkpoint(),
                r.to(),
                r.packages(),
                r.files(),
                Quantities.size(r.fileBytes()),
                r.directories(),
                r.symlinks());
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
