package dev.lfsfarm.cli.remote;

import dev.lfsfarm.common.history.RecipePhases;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.SpeedSource;
import dev.lfsfarm.proto.v1.WorkerSpeed;

/**
 * One worker's calibration as {@code farm calibrate} reports it: the finished build of the reference
 * package, the speed the coordinator knew before, and the one it stored afterwards.
 *
 * @param worker the worker calibrated
 * @param build the finished calibration build (one package)
 * @param previous the worker's speed before (null when the coordinator knew none)
 * @param stored the worker's speed after the build (null when the coordinator lists none)
 */
record CalibrationResult(String worker, Build build, WorkerSpeed previous, WorkerSpeed stored) {
    boolean succeeded() {
        return build.getState() == BuildState.BUILD_STATE_SUCCEEDED;
    }

    /** The reference package's status in the build (a calibration build has exactly one package). */
    PackageStatus reference() {
        return build.getPackagesCount() == 0 ? PackageStatus.getDefaultInstance() : build.getPackages(0);
    }

    /**
     * Wall time of the recipe phases (prepare..install, without fetching, staging and packing):
     * the figure that SBU measures, as the coordinator computes it. Falls back to the attempt's
     * total when no phase was measured.
     */
    double recipeWallSeconds() {
        PackageStatus p = reference();
        double phases = RecipePhases.wallSeconds(p.getMeasurements());
        return phases > 0 ? phases : p.getWallSeconds();
    }

    /** Whether the coordinator stored a calibration from this build (not an older one). */
    boolean recorded() {
        return stored != null
                && stored.getSource() == SpeedSource.SPEED_SOURCE_CALIBRATED
                && (previous == null
                        || previous.getSource() != SpeedSource.SPEED_SOURCE_CALIBRATED
                        || !stored.getCalibratedAt().equals(previous.getCalibratedAt()));
    }
}
