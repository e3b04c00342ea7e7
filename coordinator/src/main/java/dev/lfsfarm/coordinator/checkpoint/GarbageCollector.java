package dev.lfsfarm.coordinator.checkpoint;

import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.coordinator.artifact.ArtifactSpecBlobs;
import dev.lfsfarm.coordinator.artifact.ArtifactStore;
import dev.lfsfarm.coordinator.artifact.ArtifactStore.BlobInfo;
import dev.lfsfarm.coordinator.dispatch.CheckpointRecorder.GcRoots;
import dev.lfsfarm.coordinator.dispatch.Dispatcher;
import dev.lfsfarm.proto.v1.ActionResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mark and sweep over the artifact store ({@code farm checkpoint gc}).
 *
 * <ol>
 *   <li>Mark, on the dispatcher thread: keep the newest checkpoints, delete the older ones, and
 *       collect what is live (see {@link Dispatcher#pruneCheckpoints}).</li>
 *   <li>Walk the store: a blob that is not live and older than the age limit is a candidate. The
 *       age limit covers what is uploaded but not referenced yet: a worker's artifact whose result
 *       is on its way, a path source between upload and submit, a checkpoint being created.</li>
 *   <li>Remove the action-cache entries whose artifact or manifest is a candidate (or already
 *       gone), so no build can take a candidate from the cache from then on.</li>
 *   <li>Remove the candidates in batches, each on the dispatcher thread after checking again what
 *       the builds use: a build that took a candidate from the cache between steps 1 and 3 keeps
 *       it. Results are recorded on that thread too, so none can slip in between check and removal.</li>
 * </ol>
 *
 * Runs off the dispatcher thread except for those short steps, so dispatching goes on meanwhile.
 */
public final class GarbageCollector {
    private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);
    /** Default age limit: far longer than any upload takes to be referenced. */
    public static final Duration DEFAULT_MIN_AGE = Duration.ofHours(1);
    /** Removals per dispatcher step: short enough not to hold up dispatching noticeably. */
    static final int BATCH = 256;

    private final ArtifactStore store;
    private final Clock clock;

    public GarbageCollector(ArtifactStore store) {
        this(store, Clock.systemUTC());
    }

    GarbageCollector(ArtifactStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** What a collection did (or, in a dry run, would do). */
    public record Report(
            boolean dryRun,
            List<String> deletedCheckpoints,
            List<String> keptCheckpoints,
            long blobsRemoved,
            long bytesFreed,
            long actionEntriesRemoved,
            long blobsReferenced,
            long bytesReferenced,
            long blobsTooYoung,
            long bytesTooYoung,
            Duration minAge) {}

    /**
     * Collects garbage; see the class comment.
     *
     * @param keep    how many of the newest checkpoints to keep; empty keeps all
     * @param dryRun  delete nothing, report what would be deleted
     * @param minAge  blobs modified more recently are never removed
     */
    public Report collect(Dispatcher dispatcher, OptionalInt keep, boolean dryRun, Duration minAge) throws IOException {
        GcRoots roots = dispatcher
                .pruneCheckpoints(keep, dryRun, new ArtifactSpecBlobs(store))
                .join();
        Instant cutoff = clock.instant().minus(minAge);
        Counts referenced = new Counts();
        Counts young = new Counts();
        List<BlobInfo> candidates = new ArrayList<>();
        store.forEachBlob(blob -> {
            if (roots.live().contains(blob.sha256())) {
                referenced.add(blob);
            } else if (blob.modified().isAfter(cutoff)) {
                young.add(blob);
            } else {
                candidates.add(blob);
            }
        });
        Set<String> doomed = new HashSet<>();
        candidates.forEach(b -> doomed.add(b.sha256()));
        long actionEntries = dropActionEntries(doomed, dryRun);

        Counts removed = new Counts();
        if (dryRun) {
            candidates.forEach(removed::add);
        } else {
            for (int from = 0; from < candidates.size(); from += BATCH) {
                List<BlobInfo> batch = candidates.subList(from, Math.min(candidates.size(), from + BATCH));
                dispatcher
                        .withBlobsInUse(inUse -> {
                            remove(batch, inUse, removed, referenced);
                            return null;
                        })
                        .join();
            }
        }
        log.info(
                "gc{}: {} checkpoints deleted, {} kept; {} blobs ({} bytes) and {} action-cache entries removed; "
                        + "{} blobs referenced, {} younger than {}",
                dryRun ? " (dry run)" : "",
                roots.deleted().size(),
                roots.kept().size(),
                removed.blobs,
                removed.bytes,
                actionEntries,
                referenced.blobs,
                young.blobs,
                minAge);
        return new Report(
                dryRun,
                roots.deleted(),
                roots.kept(),
                removed.blobs,
                removed.bytes,
                actionEntries,
                referenced.blobs,
                referenced.bytes,
                young.blobs,
                young.bytes,
                minAge);
    }

    /** Runs on the dispatcher thread: removes the blobs of {@code batch} that no build uses now. */
    private void remove(List<BlobInfo> batch, Set<String> inUse, Counts removed, Counts referenced) {
        for (BlobInfo blob : batch) {
            if (inUse.contains(blob.sha256())) {
                referenced.add(blob); // a build took it from the cache while the store was walked
                continue;
            }
            try {
                if (store.remove(blob.sha256())) {
                    removed.add(blob);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove blob sha256:" + blob.sha256(), e);
            }
        }
    }

    /** Removes the action-cache entries that name a doomed or missing blob; returns how many. */
    private long dropActionEntries(Set<String> doomed, boolean dryRun) throws IOException {
        List<String> keys = new ArrayList<>();
        store.forEachActionKey(keys::add);
        long dropped = 0;
        for (String key : keys) {
            Optional<ActionResult> entry;
            try {
                entry = store.getAction(key);
            } catch (IOException e) {
                log.warn("gc: action-cache entry {} is unreadable; left alone: {}", key, e.getMessage());
                continue;
            }
            if (entry.isEmpty() || !gone(entry.get(), doomed)) {
                continue;
            }
            if (dryRun || store.removeAction(key)) {
                dropped++;
            }
        }
        return dropped;
    }

    private boolean gone(ActionResult result, Set<String> doomed) {
        String artifact = result.getArtifact().getSha256();
        String manifest = result.getManifest().getSha256();
        return doomed.contains(artifact)
                || doomed.contains(manifest)
                || !Sha256.isValid(artifact)
                || !store.contains(artifact)
                || (!manifest.isEmpty() && (!Sha256.isValid(manifest) || !store.contains(manifest)));
    }

    /** A number of blobs and their bytes. Touched by one thread at a time (the batches run in turn). */
    private static final class Counts {
        long blobs;
        long bytes;

        void add(BlobInfo blob) {
            blobs++;
            bytes += blob.sizeBytes();
        }
    }
}
