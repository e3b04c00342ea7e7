package dev.lfsfarm.coordinator.state;

import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import java.util.List;

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

    @Override
    void close();
}
