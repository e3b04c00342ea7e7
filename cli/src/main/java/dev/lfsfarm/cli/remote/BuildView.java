package dev.lfsfarm.cli.remote;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildProgress;
import dev.lfsfarm.proto.v1.EstimateSource;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.util.List;

/**
 * The stable JSON of a build (docs/reference/cli.md), as {@code status}, {@code submit --follow},
 * {@code resume --follow} and {@code local} print it: states in capitals, seconds as numbers.
 * {@code message} only when there is one, {@code wall_seconds} once it started, {@code packages}
 * only for one build (not in the list).
 */
public record BuildView(
        String buildId,
        String state,
        String book,
        List<String> targets,
        String profile,
        @JsonInclude(JsonInclude.Include.NON_NULL) String message,
        Progress progress,
        @JsonInclude(JsonInclude.Include.NON_NULL) Double wallSeconds,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<Package> packages) {

    /** The view of {@code b}; with its packages or without. */
    public static BuildView of(Build b, boolean packages) {
        Double wall = null;
        if (b.hasStartedAt()) {
            double end = b.hasFinishedAt() ? BuildJson.seconds(b.getFinishedAt()) : System.currentTimeMillis() / 1000.0;
            wall = Math.round((end - BuildJson.seconds(b.getStartedAt())) * 1000) / 1000.0;
        }
        return new BuildView(
                b.getBuildId(),
                BuildJson.state(b),
                b.getBookName(),
                b.getTargetsList(),
                b.getProfile(),
                b.getMessage().isEmpty() ? null : b.getMessage(),
                Progress.of(b.getProgress()),
                wall,
                packages ? b.getPackagesList().stream().map(Package::of).toList() : null);
    }

    /** The build's package counts. */
    public record Progress(
            int total,
            int done,
            int running,
            int succeeded,
            int cached,
            int failed,
            int skipped,
            int cancelled,
            int regressions) {
        static Progress of(BuildProgress p) {
            return new Progress(
                    p.getTotal(),
                    p.getDone(),
                    p.getRunning(),
                    p.getSucceeded(),
                    p.getCached(),
                    p.getFailed(),
                    p.getSkipped(),
                    p.getCancelled(),
                    p.getRegressions());
        }
    }

    /**
     * One package of the build. The measurements appear once it ran, {@code regression} when it
     * was slower than its history allows, {@code exit_code}, {@code failed_phase} and
     * {@code failure} when it FAILED; {@code worker}, {@code skipped_because} and {@code artifact}
     * are null when they do not apply. {@code current_phase} is the phase a RUNNING package is in;
     * {@code reason} the coordinator's note on a package that did not fail (a cancelled one, say).
     */
    public record Package(
            String id,
            String version,
            String state,
            String worker,
            int attempts,
            boolean cacheHit,
            double wallSeconds,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double userCpuSeconds,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double systemCpuSeconds,
            @JsonInclude(JsonInclude.Include.NON_NULL) Long peakRssBytes,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double sbu,
            double sbuEstimate,
            String estimateSource,
            @JsonInclude(JsonInclude.Include.NON_NULL) RegressionView regression,
            String skippedBecause,
            @JsonInclude(JsonInclude.Include.NON_NULL) Integer exitCode,
            @JsonInclude(JsonInclude.Include.NON_NULL) String failedPhase,
            @JsonInclude(JsonInclude.Include.NON_NULL) String failure,
            String artifact,
            String actionKey,
            @JsonInclude(JsonInclude.Include.NON_NULL) String currentPhase,
            @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {
        static Package of(PackageStatus p) {
            boolean measured = p.hasMeasurements();
            var total = p.getMeasurements().getTotal();
            boolean failed = p.getState().name().endsWith("FAILED");
            return new Package(
                    p.getPackageId(),
                    p.getVersion(),
                    BuildJson.state(p),
                    p.getWorker().isEmpty() ? null : p.getWorker(),
                    p.getAttempts(),
                    p.getCacheHit(),
                    p.getWallSeconds(),
                    measured ? total.getUserCpuSeconds() : null,
                    measured ? total.getSystemCpuSeconds() : null,
                    measured ? total.getPeakRssBytes() : null,
                    measured ? p.getMeasurements().getSbu() : null,
                    p.getSbuEstimate(),
                    p.getEstimateSource() == EstimateSource.ESTIMATE_SOURCE_LEARNED ? "learned" : "book",
                    p.hasRegression() ? RegressionView.of(p.getRegression()) : null,
                    p.getSkippedBecause().isEmpty() ? null : p.getSkippedBecause(),
                    failed ? p.getExitCode() : null,
                    failed ? p.getFailedPhase() : null,
                    failed ? p.getFailureReason() : null,
                    p.getArtifact().getSha256().isEmpty()
                            ? null
                            : p.getArtifact().getSha256(),
                    p.getActionKey(),
                    p.getState() == PackageState.PACKAGE_STATE_RUNNING
                                    && !p.getCurrentPhase().isEmpty()
                            ? p.getCurrentPhase()
                            : null,
                    !failed && !p.getFailureReason().isEmpty() ? p.getFailureReason() : null);
        }
    }
}
