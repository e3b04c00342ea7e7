package dev.lfsfarm.common.history;

import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptRecord;
import dev.lfsfarm.proto.v1.PackageHistory;
import dev.lfsfarm.proto.v1.Regression;
import java.util.List;
import java.util.Optional;

/**
 * What a package's history says about its next build. Pure: the coordinator and {@code farm plan}
 * compute the same figures from the same records.
 *
 * <p>Records are compared on one scale, the attempt's <em>one-core SBU</em>: its wall time divided
 * by the worker's seconds per SBU and by the duration model's core factor for the cores it was
 * given. A build on a fast 8-core worker and one on a slow single core then give the same figure
 * if the package behaved the same.
 *
 * @param model the core-scaling model (its parallel fraction)
 * @param window most recent successful attempts a median is taken over
 * @param regressionFactor an attempt slower than this times the median is a regression
 * @param regressionMinSamples earlier successful attempts needed before anything is called a regression
 * @param regressionMinExcessSeconds a regression must also be this much slower in absolute terms, so
 *     that the noise of sub-second packages is not flagged
 */
public record LearnedDurations(
        DurationModel model,
        int window,
        double regressionFactor,
        int regressionMinSamples,
        double regressionMinExcessSeconds) {

    /** Defaults: median of the last 10, regression above 1.5× after 3 samples and at least 0.5 s slower. */
    public static LearnedDurations defaults(DurationModel model, double regressionFactor) {
        return new LearnedDurations(model, 10, regressionFactor, 3, 0.5);
    }

    public LearnedDurations {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, got " + window);
        }
        if (!(regressionFactor > 1)) {
            throw new IllegalArgumentException("the regression factor must be above 1, got " + regressionFactor);
        }
    }

    /** A package's learned estimate: its median one-core SBU over {@code samples} attempts (0 = none). */
    public record Learned(double sbu, int samples) {
        public boolean known() {
            return samples > 0;
        }
    }

    /** The attempt's wall time as SBU on one core; negative when it cannot be compared (no speed, no time). */
    public double oneCoreSbu(AttemptRecord r) {
        if (r.getSecondsPerSbu() <= 0 || r.getWallSeconds() <= 0) {
            return -1;
        }
        return r.getWallSeconds() / (r.getSecondsPerSbu() * model.coreFactor(Math.max(1, r.getCores())));
    }

    /** Median one-core SBU of the most recent successful attempts of the history. */
    public Learned learned(PackageHistory history) {
        return learned(history.getRecordsList(), history.getRecordsCount());
    }

    /** Like {@link #learned(PackageHistory)}, over the first {@code end} records only (those before an attempt). */
    private Learned learned(List<AttemptRecord> records, int end) {
        double[] values = new double[window];
        int count = 0;
        for (int i = end - 1; i >= 0 && count < window; i--) {
            AttemptRecord r = records.get(i);
            double sbu = r.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED ? oneCoreSbu(r) : -1;
            if (sbu >= 0) {
                values[count++] = sbu;
            }
        }
        return count == 0 ? new Learned(0, 0) : new Learned(Median.of(values, count), count);
    }

    /**
     * Whether {@code latest}, a successful attempt, took more than the regression factor times what
     * the {@code earlier} history predicts for it (same worker speed, same cores).
     */
    public Optional<Regression> regression(PackageHistory earlier, AttemptRecord latest) {
        double sbu = oneCoreSbu(latest);
        Learned median = learned(earlier.getRecordsList(), earlier.getRecordsCount());
        if (latest.getOutcome() != AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED
                || sbu < 0
                || median.samples() < regressionMinSamples
                || median.sbu() <= 0) {
            return Optional.empty();
        }
        double factor = sbu / median.sbu();
        double expected = latest.getWallSeconds() / factor;
        if (factor <= regressionFactor || latest.getWallSeconds() - expected < regressionMinExcessSeconds) {
            return Optional.empty();
        }
        return Optional.of(Regression.newBuilder()
                .setFactor(factor)
                .setThreshold(regressionFactor)
                .setExpectedSeconds(expected)
                .setSamples(median.samples())
                .build());
    }
}
