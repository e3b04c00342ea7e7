package dev.lfsfarm.cli.report;

import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/** What a build report says about a build, apart from how it is drawn: the summary figures and the lists. */
public final class BuildReport {
    private final Build build;
    private final BuildTimeline timeline;
    private final Instant generatedAt;
    private final int top;

    /**
     * @param build GetBuild's answer, with packages
     * @param generatedAt now: the end of what still runs, and the report's date
     * @param top how many of the slowest packages to list
     */
    public BuildReport(Build build, Instant generatedAt, int top) {
        this.build = build;
        this.timeline = BuildTimeline.of(build, generatedAt);
        this.generatedAt = generatedAt;
        this.top = top;
    }

    public Build build() {
        return build;
    }

    public BuildTimeline timeline() {
        return timeline;
    }

    public Instant generatedAt() {
        return generatedAt;
    }

    /** Build state without the enum prefix, e.g. "SUCCEEDED". */
    public String result() {
        return build.getState().name().replace("BUILD_STATE_", "");
    }

    /** Build started → finished (→ now while it runs), seconds; 0 before it started. */
    public double wallSeconds() {
        if (!build.hasStartedAt()) {
            return 0;
        }
        Instant end = build.hasFinishedAt() ? ProtoTime.instant(build.getFinishedAt()) : generatedAt;
        return Duration.between(ProtoTime.instant(build.getStartedAt()), end).toNanos() / 1e9;
    }

    /** Packages whose artifact came from the action cache. */
    public long cacheHits() {
        return build.getPackagesList().stream()
                .filter(p -> p.getCacheHit() || p.getState() == PackageState.PACKAGE_STATE_CACHED)
                .count();
    }

    /** Packages that needed more than one attempt. */
    public List<PackageStatus> retried() {
        return build.getPackagesList().stream().filter(p -> p.getAttempts() > 1).toList();
    }

    /** Packages whose last attempt was flagged as a regression. */
    public List<PackageStatus> regressions() {
        return build.getPackagesList().stream()
                .filter(PackageStatus::hasRegression)
                .toList();
    }

    /** Failed packages, in build order. */
    public List<PackageStatus> failed() {
        return build.getPackagesList().stream()
                .filter(p -> p.getState() == PackageState.PACKAGE_STATE_FAILED)
                .toList();
    }

    /** The packages that ran longest (wall time of the last attempt), at most {@code top}, longest first. */
    public List<PackageStatus> slowest() {
        return build.getPackagesList().stream()
                .filter(p -> p.getWallSeconds() > 0)
                .sorted(Comparator.comparingDouble(PackageStatus::getWallSeconds)
                        .reversed()
                        .thenComparing(PackageStatus::getPackageId))
                .limit(top)
                .toList();
    }

    public int top() {
        return top;
    }
}
