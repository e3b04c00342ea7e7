package dev.lfsfarm.coordinator.dispatch;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.lfsfarm.common.error.FarmException;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.coordinator.checkpoint.CheckpointName;
import dev.lfsfarm.coordinator.state.BuildStateStore;
import dev.lfsfarm.coordinator.state.SpecBlobs;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.CheckpointEntry;
import dev.lfsfarm.proto.v1.CheckpointEntryList;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatusOrBuilder;
import dev.lfsfarm.proto.v1.Recipe;
import dev.lfsfarm.proto.v1.RecipeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sysroot checkpoints over the dispatcher's builds: which artifacts make up "the system after
 * package X of build B", recorded under a name in the checkpoint registry, and which blobs are
 * still in use when the artifact store is collected.
 *
 * <p>A checkpoint's entries are the build graph's topological order (deterministic: the same
 * order the worker stages a sysroot in), cut after {@code upto}. The list itself goes to the
 * artifact store as one blob, so the registry entry stays small however long the list is.
 *
 * <p>Used only on the dispatcher thread (through {@link Dispatcher#call}), so builds are read
 * without locks and nothing changes between a check and the write that depends on it.
 */
public final class CheckpointRecorder {
    private static final Logger log = LoggerFactory.getLogger(CheckpointRecorder.class);

    private final BuildStateStore store;
    private final BuildTable builds;
    private final long epoch;

    CheckpointRecorder(BuildStateStore store, BuildTable builds, long epoch) {
        this.store = store;
        this.builds = builds;
        this.epoch = epoch;
    }

    /** What {@link #create} did: the checkpoint with its entries, and whether this call made it. */
    public record Created(Checkpoint checkpoint, boolean created) {}

    /**
     * What garbage collection may not remove, after the checkpoints beyond the newest {@code keep}
     * were deleted (or, in a dry run, would be).
     *
     * @param kept    names of the remaining checkpoints, newest first
     * @param deleted names of the deleted checkpoints, newest first
     * @param live    SHA-256 of every blob still referenced
     */
    public record GcRoots(List<String> kept, List<String> deleted, Set<String> live) {}

    /**
     * Records checkpoint {@code name} of {@code buildId} up to {@code upto} (empty: the whole
     * build). The same name, build and upto again returns the existing checkpoint.
     */
    Created create(String name, String buildId, String upto, Instant now, SpecBlobs blobs) {
        CheckpointName.check(name);
        if (buildId.isEmpty()) {
            throw new FarmException(FarmException.Kind.INVALID_ARGUMENT, "a checkpoint needs a build id");
        }
        Optional<Checkpoint> existing = store.findCheckpoint(name);
        if (existing.isPresent()) {
            Checkpoint c = existing.get();
            if (c.getBuildId().equals(buildId) && c.getUpto().equals(upto)) {
                return new Created(withEntries(c, blobs), false);
            }
            throw new FarmException(
                    FarmException.Kind.ALREADY_EXISTS,
                    "checkpoint '" + name + "' already exists (build " + c.getBuildId()
                            + (c.getUpto().isEmpty() ? "" : " up to " + c.getUpto()) + ")");
        }
        BuildLifecycle build = builds.get(buildId);
        if (build == null) {
            throw new FarmException(FarmException.Kind.NOT_FOUND, "no build '" + buildId + "'");
        }
        List<CheckpointEntry> entries = entries(build, upto);
        com.google.protobuf.Timestamp created = ProtoTime.timestamp(now);
        byte[] list = CheckpointEntryList.newBuilder()
                .setName(name)
                .setCreatedAt(created)
                .addAllEntries(entries)
                .build()
                .toByteArray();
        String sha256;
        try {
            sha256 = blobs.put(list);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the entry list of checkpoint " + name, e);
        }
        Checkpoint summary = Checkpoint.newBuilder()
                .setName(name)
                .setBuildId(buildId)
                .setUpto(upto)
                .setCreatedAt(created)
                .setEntryList(Digest.newBuilder().setSha256(sha256).setSizeBytes(list.length))
                .setPackageCount(entries.size())
                .setArtifactBytes(entries.stream()
                        .mapToLong(e -> e.getArtifact().getSizeBytes())
                        .sum())
                .setBookName(build.spec().getBook().getName())
                .setCreatedEpoch(epoch)
                .build();
        store.saveCheckpoint(summary);
        log.info(
                "checkpoint {} recorded: build {} {} ({} packages)",
                name,
                buildId,
                upto.isEmpty() ? "whole build" : "up to " + upto,
                entries.size());
        return new Created(summary.toBuilder().addAllEntries(entries).build(), true);
    }

    /** The build's packages in topological order up to and including {@code upto}, each with its artifact. */
    static List<CheckpointEntry> entries(BuildLifecycle build, String upto) {
        int[] order = build.graph().topologicalOrder();
        int end = order.length;
        if (!upto.isEmpty()) {
            int last = build.graph().indexOf(upto);
            if (last < 0) {
                throw new FarmException(
                        FarmException.Kind.NOT_FOUND, "no package '" + upto + "' in build " + build.id());
            }
            end = 0;
            while (order[end] != last) {
                end++;
            }
            end++;
        }
        List<CheckpointEntry> entries = new ArrayList<>(end);
        for (int i = 0; i < end; i++) {
            PackageStatusOrBuilder p = build.status(order[i]);
            PackageState state = p.getState();
            if (state != PackageState.PACKAGE_STATE_SUCCEEDED && state != PackageState.PACKAGE_STATE_CACHED) {
                throw new FarmException(
                        FarmException.Kind.FAILED_PRECONDITION,
                        "package " + p.getPackageId() + " is "
                                + state.name().replace("PACKAGE_STATE_", "") + " in build " + build.id()
                                + "; every package "
                                + (upto.isEmpty() ? "of the build" : "up to " + upto) + " must be SUCCEEDED or CACHED");
            }
            if (p.getArtifact().getSha256().isEmpty()) {
                throw new FarmException(
                        FarmException.Kind.FAILED_PRECONDITION,
                        "package " + p.getPackageId() + " of build " + build.id() + " has no artifact recorded");
            }
            entries.add(CheckpointEntry.newBuilder()
                    .setPackageId(p.getPackageId())
                    .setVersion(p.getVersion())
                    .setArtifact(p.getArtifact())
                    .setManifest(p.getManifest())
                    .build());
        }
        return entries;
    }

    /** Every checkpoint, newest first, without entries. */
    List<Checkpoint> list() {
        List<Checkpoint> all = new ArrayList<>(store.listCheckpoints());
        Collections.reverse(all);
        return all;
    }

    /** One checkpoint with its entries. */
    Checkpoint get(String name, SpecBlobs blobs) {
        return withEntries(find(name), blobs);
    }

    /** Removes a checkpoint from the registry and returns its summary. */
    Checkpoint delete(String name) {
        Checkpoint c = find(name);
        store.deleteCheckpoint(name);
        log.info("checkpoint {} deleted", name);
        return c;
    }

    private Checkpoint find(String name) {
        CheckpointName.check(name);
        return store.findCheckpoint(name)
                .orElseThrow(() -> new FarmException(FarmException.Kind.NOT_FOUND, "no checkpoint '" + name + "'"));
    }

    private static Checkpoint withEntries(Checkpoint summary, SpecBlobs blobs) {
        return summary.toBuilder()
                .clearEntries()
                .addAllEntries(readEntries(summary, blobs))
                .build();
    }

    private static List<CheckpointEntry> readEntries(Checkpoint summary, SpecBlobs blobs) {
        String sha256 = summary.getEntryList().getSha256();
        try {
            return CheckpointEntryList.parseFrom(blobs.get(sha256)).getEntriesList();
        } catch (InvalidProtocolBufferException e) {
            throw new FarmException(
                    FarmException.Kind.DATA_LOSS,
                    "the entry list of checkpoint " + summary.getName() + " (sha256:" + sha256 + ") is corrupt");
        } catch (IOException e) {
            throw new FarmException(
                    FarmException.Kind.DATA_LOSS,
                    "the entry list of checkpoint " + summary.getName() + " (sha256:" + sha256
                            + ") cannot be read from the artifact store: " + e.getMessage());
        }
    }

    /**
     * Keeps the newest {@code keep} checkpoints (all when empty) and deletes the others unless
     * {@code dryRun}; returns what stays referenced: {@link #blobsInUse()}, the builds' request
     * blobs, and every remaining checkpoint's entry list and entries. A remaining checkpoint whose
     * list cannot be read fails the whole collection (DATA_LOSS): what it references is unknown.
     */
    GcRoots prune(OptionalInt keep, boolean dryRun, SpecBlobs blobs) {
        List<Checkpoint> newestFirst = list();
        int kept = keep.isPresent() ? Math.min(keep.getAsInt(), newestFirst.size()) : newestFirst.size();
        List<Checkpoint> remaining = newestFirst.subList(0, kept);
        List<Checkpoint> deleted = newestFirst.subList(kept, newestFirst.size());
        Set<String> live = blobsInUse();
        live.addAll(store.specBlobs());
        for (Checkpoint c : remaining) {
            live.add(c.getEntryList().getSha256());
            for (CheckpointEntry e : readEntries(c, blobs)) {
                live.add(e.getArtifact().getSha256());
                live.add(e.getManifest().getSha256());
            }
        }
        if (!dryRun) {
            deleted.forEach(c -> store.deleteCheckpoint(c.getName()));
            if (!deleted.isEmpty()) {
                log.info("gc: deleted {} checkpoints, kept the {} newest", deleted.size(), remaining.size());
            }
        }
        live.remove("");
        return new GcRoots(
                remaining.stream().map(Checkpoint::getName).toList(),
                deleted.stream().map(Checkpoint::getName).toList(),
                live);
    }

    /** The artifact and manifest of every package of every build this dispatcher knows, and nothing else. */
    Set<String> referencedDigests() {
        Set<String> result = new HashSet<>();
        for (BuildLifecycle build : builds.all()) {
            for (int task = 0; task < build.graph().size(); task++) {
                PackageStatusOrBuilder p = build.status(task);
                result.add(p.getArtifact().getSha256());
                result.add(p.getManifest().getSha256());
            }
        }
        result.remove("");
        return result;
    }

    /**
     * {@link #referencedDigests()} plus the sources the builds' recipes name (uploaded path
     * sources, and url sources by their sha256): what a known build could still need, for
     * example when it is retried.
     */
    Set<String> blobsInUse() {
        Set<String> result = referencedDigests();
        for (BuildLifecycle build : builds.all()) {
            for (Recipe recipe : build.spec().getBook().getRecipesList()) {
                for (RecipeSource s : recipe.getSourcesList()) {
                    result.add(s.getPathDigest().getSha256());
                    result.add(s.getSha256());
                }
            }
        }
        result.remove("");
        return result;
    }
}
