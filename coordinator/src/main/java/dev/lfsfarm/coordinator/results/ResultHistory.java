package dev.lfsfarm.coordinator.results;

import dev.lfsfarm.common.history.RecipePhases;
import dev.lfsfarm.common.lifecycle.Attempt;
import dev.lfsfarm.common.lifecycle.BuildLifecycle;
import dev.lfsfarm.common.recipe.Recipe;
import dev.lfsfarm.common.schedule.WorkerPool;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.coordinator.dispatch.DispatchObserver;
import dev.lfsfarm.coordinator.history.AttemptHistory;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptRecord;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.Measurements;
import dev.lfsfarm.proto.v1.Regression;
import dev.lfsfarm.proto.v1.WorkerCalibration;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an applied result teaches the benchmark history: the attempt's figures for its package
 * (flagging a regression), a calibration build's measured speed for its worker, and the worker's
 * speed in the pool, which moves with each record. Runs on the dispatch thread.
 */
public final class ResultHistory {
    private static final Logger log = LoggerFactory.getLogger(ResultHistory.class);

    private final AttemptHistory history;
    private final WorkerPool pool;
    private final double sbuSeconds;
    private final Clock clock;
    private final Supplier<DispatchObserver> observer;

    public ResultHistory(
            AttemptHistory history,
            WorkerPool pool,
            double sbuSeconds,
            Clock clock,
            Supplier<DispatchObserver> observer) {
        this.history = history;
        this.pool = pool;
        this.sbuSeconds = sbuSeconds;
        this.clock = clock;
        this.observer = observer;
    }

    /** Records the attempt's result; returns the regression it showed, if any (the observer hears of it). */
    public Optional<Regression> record(BuildLifecycle build, Attempt a, AttemptResult result) {
        if (result.getOutcome() != AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED
                && result.getOutcome() != AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED) {
            log.info("build {} package {} failed: {}", build.id(), a.packageId(), result.getFailureReason());
        }
        if (result.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED) {
            // first: its record is then 1 SBU
            calibrateIfAsked(build, a, RecipePhases.wallSeconds(result.getMeasurements()));
        }
        AttemptRecord recorded = recordAttempt(build, a, result);
        pool.setSpeed(a.worker(), history.speed(a.worker()).getSecondsPerSbu()); // an estimate moves with each record
        if (!recorded.hasRegression()) {
            return Optional.empty();
        }
        observer.get().regressed(build.id(), a.packageId());
        log.warn(
                "build {} package {} took {} s, {}x its median of {} s: flagged as a regression",
                build.id(),
                a.packageId(),
                String.format("%.1f", recorded.getWallSeconds()),
                String.format("%.1f", recorded.getRegression().getFactor()),
                String.format("%.1f", recorded.getRegression().getExpectedSeconds()));
        return Optional.of(recorded.getRegression());
    }

    /** Adds the attempt's figures to its package's history (flagging a regression) and returns the record. */
    private AttemptRecord recordAttempt(BuildLifecycle build, Attempt a, AttemptResult result) {
        Measurements m = result.getMeasurements();
        WorkerSpeed speed = history.speed(a.worker());
        double secondsPerSbu = speed.getSecondsPerSbu() > 0 ? speed.getSecondsPerSbu() : sbuSeconds;
        double wall = RecipePhases.wallSeconds(m);
        Recipe recipe = build.graph().recipe(a.task());
        AttemptRecord record = AttemptRecord.newBuilder()
                .setPackageId(a.packageId())
                .setVersion(recipe.version())
                .setBuildId(build.id())
                .setAttemptId(a.id())
                .setWorker(a.worker())
                .setFinishedAt(ProtoTime.timestamp(clock.instant()))
                .setOutcome(result.getOutcome())
                .setWallSeconds(wall)
                .setCpuSeconds(RecipePhases.cpuSeconds(m))
                .setPeakRssBytes(RecipePhases.peakRssBytes(m))
                .setCores(Math.max(1, m.getCores()))
                .setSbu(wall / secondsPerSbu)
                .setSecondsPerSbu(secondsPerSbu)
                .setSpeedSource(speed.getSource())
                .setBookSbu(recipe.sbu())
                .setDiskUsedBytes(m.getDiskUsedBytes())
                .setArtifactSizeBytes(m.getArtifactSizeBytes())
                .build();
        // A cancelled attempt was stopped part way: its time says nothing about the package.
        return result.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED ? record : history.record(record);
    }

    /** A calibration build's target succeeded: its time per SBU becomes the worker's speed. */
    private void calibrateIfAsked(BuildLifecycle build, Attempt a, double wall) {
        String worker = build.spec().getCalibrateWorker();
        double sbu = build.graph().recipe(a.task()).sbu();
        if (worker.isEmpty() || !build.graph().targets().contains(a.packageId()) || sbu <= 0 || wall <= 0) {
            return;
        }
        double secondsPerSbu = wall / sbu;
        history.calibrated(WorkerCalibration.newBuilder()
                .setWorker(a.worker())
                .setSecondsPerSbu(secondsPerSbu)
                .setMeasuredAt(ProtoTime.timestamp(clock.instant()))
                .setReferencePackage(a.packageId())
                .setReferenceSbu(sbu)
                .setWallSeconds(wall)
                .setBuildId(build.id())
                .build());
        pool.setSpeed(a.worker(), secondsPerSbu);
        log.info(
                "worker {} calibrated: {} s per SBU ({} built in {} s, {} SBU)",
                a.worker(),
                String.format("%.2f", secondsPerSbu),
                a.packageId(),
                String.format("%.2f", wall),
                sbu);
    }
}
