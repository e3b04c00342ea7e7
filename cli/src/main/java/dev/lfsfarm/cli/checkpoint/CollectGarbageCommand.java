package dev.lfsfarm.cli.checkpoint;

import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.cli.remote.ViewCommand;
import dev.lfsfarm.proto.v1.CollectGarbageRequest;
import dev.lfsfarm.proto.v1.CollectGarbageResponse;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code farm checkpoint gc}: old checkpoints deleted, unreferenced blobs removed by the coordinator. */
@Command(
        name = "gc",
        mixinStandardHelpOptions = true,
        description = {
            "Remove old checkpoints and the artifacts nothing references.",
            "With --keep N, keep the N newest checkpoints and delete the others. Then",
            "remove every blob of the artifact store that no checkpoint, no build the",
            "coordinator knows and no build request references, and the action-cache",
            "entries of removed artifacts. Blobs younger than --min-age are never",
            "removed: an upload in progress may not be referenced yet."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm checkpoint gc --keep 3 --dry-run",
            "  farm checkpoint gc --keep 3",
            "  farm checkpoint gc -o json"
        })
public final class CollectGarbageCommand extends ViewCommand<CollectGarbageCommand.Collected> {
    @Option(
            names = "--keep",
            paramLabel = "N",
            description = "Keep the N newest checkpoints and delete the older ones (default: keep every checkpoint).")
    Integer keep;

    @Option(names = "--dry-run", description = "Delete nothing; say what would be deleted.")
    boolean dryRun;

    @Option(
            names = "--min-age",
            paramLabel = "AGE",
            converter = AgeConverter.class,
            description = "Never remove blobs younger than this: 90s, 30m, 1h, 2d (default: 1h). Lower it only "
                    + "while nothing is being built, submitted or checkpointed.")
    Duration minAge;

    /** The JSON document: what was (or would be) deleted and removed, and what was kept. */
    record Collected(
            boolean dryRun,
            List<String> deletedCheckpoints,
            List<String> keptCheckpoints,
            long blobsRemoved,
            long bytesFreed,
            long actionCacheEntriesRemoved,
            long blobsReferenced,
            long bytesReferenced,
            long blobsTooYoung,
            long bytesTooYoung,
            long minAgeSeconds) {
        static Collected of(CollectGarbageResponse r) {
            return new Collected(
                    r.getDryRun(),
                    r.getDeletedCheckpointsList(),
                    r.getKeptCheckpointsList(),
                    r.getBlobsRemoved(),
                    r.getBytesFreed(),
                    r.getActionCacheEntriesRemoved(),
                    r.getBlobsReferenced(),
                    r.getBytesReferenced(),
                    r.getBlobsTooYoung(),
                    r.getBytesTooYoung(),
                    r.getMinAge().getSeconds());
        }
    }

    @Override
    protected Collected view() throws Exception {
        if (keep != null && keep < 0) {
            throw new UsageException("--keep must not be negative, got " + keep);
        }
        CollectGarbageRequest.Builder request =
                CollectGarbageRequest.newBuilder().setDryRun(dryRun);
        if (keep != null) {
            request.setKeepCheckpoints(keep);
        }
        if (minAge != null) {
            request.setMinAge(com.google.protobuf.Duration.newBuilder()
                    .setSeconds(minAge.getSeconds())
                    .setNanos(minAge.getNano()));
        }
        return Collected.of(
                remote((stub, channel) -> CheckpointCalls.checkpoints(channel).collectGarbage(request.build())));
    }

    @Override
    protected void printText(Collected r, PrintWriter out) {
        String would = r.dryRun() ? "would be " : "";
        out.printf(
                Locale.ROOT,
                "%sCheckpoints: %d kept%s, %d %sdeleted%s%n",
                r.dryRun() ? "Dry run. " : "",
                r.keptCheckpoints().size(),
                list(r.keptCheckpoints()),
                r.deletedCheckpoints().size(),
                would,
                list(r.deletedCheckpoints()));
        out.printf(
                Locale.ROOT,
                "Blobs: %d %sremoved (%s %sfreed), %d referenced (%s), %d younger than %s kept (%s)%n",
                r.blobsRemoved(),
                would,
                Quantities.size(r.bytesFreed()),
                would,
                r.blobsReferenced(),
                Quantities.size(r.bytesReferenced()),
                r.blobsTooYoung(),
                Quantities.age(r.minAgeSeconds()),
                Quantities.size(r.bytesTooYoung()));
        out.printf(Locale.ROOT, "Action cache: %d entries %sremoved%n", r.actionCacheEntriesRemoved(), would);
    }

    private static String list(List<String> names) {
        return names.isEmpty() ? "" : " (" + String.join(", ", names) + ")";
    }
}
