package dev.lfsfarm.coordinator.state;

import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.Checkpoint;
import dev.lfsfarm.proto.v1.PackageHistory;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.WorkerCalibration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the coordinator makes build state durable. Every transition that matters (submitted,
 * assigned, succeeded with its artifact digest, failed, skipped, cancelled) is written before it is
 * acknowledged to anyone. The dispatch logic only sees this interface, so the file store here and
 * a ZooKeeper registry can replace each other.
 */
public interface BuildStateStore extends AutoCloseable {

    /** A build as stored: what was asked for and the newest state of the build and its packages. */
    record StoredBuild(SubmitBuildRequest spec, Build build) {}

    /** Records a new build; {@code build} carries every package in its initial state. */
    void created(SubmitBuildRequest spec, Build build);

    /** Records the new state of packages of a build (only those that changed). */
    void packagesChanged(String buildId, List<PackageStatus> changed);

    /** Records the build's own fields (state, times, message); the package list of {@code build} is ignored. */
    void buildChanged(Build build);

    /** Every stored build, newest state, in the order they were submitted. */
    List<StoredBuild> loadAll();

    /** A number bigger than any returned before, to stamp this coordinator's assignments with. */
    long nextEpoch();

    // ---- the checkpoint registry ----

    /**
     * Records a new checkpoint: its summary only (the entries live in the artifact-store blob that
     * {@code summary.entry_list} names, and any entries passed here are not stored). The name must
     * be valid and unused; the caller checks both first, because a failed registry write fences
     * this coordinator off.
     */
    void saveCheckpoint(Checkpoint summary);

    /** Every checkpoint summary (without entries), oldest first: by creation time, then name. */
    List<Checkpoint> listCheckpoints();

    /** The summary of one checkpoint, if there is one by that name. */
    default Optional<Checkpoint> findCheckpoint(String name) {
        return listCheckpoints().stream().filter(c -> c.getName().equals(name)).findFirst();
    }

    /** Removes a checkpoint from the registry; false when there was none by that name. */
    boolean deleteCheckpoint(String name);

    /**
     * SHA-256 of every blob in the artifact store that holds a request of a build in this registry
     * ({@link SpecBlobs}); garbage collection keeps them. Empty for a store that keeps requests
     * itself.
     */
    Set<String> specBlobs();

    // ---- the benchmark manager ----

    /**
     * Records a package's history after an attempt was added to it: {@code history} holds the kept
     * records, newest last (at most {@link #HISTORY_KEPT}).
     */
    void historyChanged(PackageHistory history);

    /** Every package's kept history, by package id. */
    Map<String, PackageHistory> loadHistories();

    /** Records a worker's SBU calibration, replacing its earlier one. */
    void calibrated(WorkerCalibration calibration);

    /** Every worker's newest calibration. */
    List<WorkerCalibration> loadCalibrations();

    /** Records kept per package: enough for a stable median, small enough for one znode (about 4 KB). */
    int HISTORY_KEPT = 20;

    @Override
    void close();
}
