package dev.lfsfarm.common.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptRecord;
import dev.lfsfarm.proto.v1.PackageHistory;
import dev.lfsfarm.proto.v1.Regression;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LearnedDurationsTest {
    private static final LearnedDurations LEARNED = LearnedDurations.defaults(DurationModel.ofSbuSeconds(60), 1.5);

    private static AttemptRecord ok(double wall, double secondsPerSbu, int cores) {
        return AttemptRecord.newBuilder()
                .setPackageId("p")
                .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)
                .setWallSeconds(wall)
                .setSecondsPerSbu(secondsPerSbu)
                .setCores(cores)
                .setWorker("w")
                .build();
    }

    private static PackageHistory history(AttemptRecord... records) {
        return PackageHistory.newBuilder()
                .setPackageId("p")
                .addAllRecords(java.util.List.of(records))
                .build();
    }

    @Test
    void attemptsAreComparedAsOneCoreSbu() {
        assertThat(LEARNED.oneCoreSbu(ok(20, 10, 1))).isEqualTo(2.0);
        // 4 cores: core factor 0.2 + 0.8/4 = 0.4, so 8 s there is 20 s on one core.
        assertThat(LEARNED.oneCoreSbu(ok(8, 10, 4))).isCloseTo(2.0, within(1e-12));
        assertThat(LEARNED.oneCoreSbu(ok(8, 0, 1))).isNegative(); // unknown speed: not comparable
    }

    @Test
    void theEstimateIsTheMedianOfTheMostRecentSuccessfulAttempts() {
        AttemptRecord failed = ok(500, 10, 1).toBuilder()
                .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
                .build();
        assertThat(LEARNED.learned(history(ok(10, 10, 1), ok(30, 10, 1), failed, ok(20, 10, 1))))
                .isEqualTo(new LearnedDurations.Learned(2.0, 3));
        assertThat(LEARNED.learned(history(ok(10, 10, 1), ok(30, 10, 1))))
                .isEqualTo(new LearnedDurations.Learned(2.0, 2));
        assertThat(LEARNED.learned(history(failed)).known()).isFalse();

        // Only the last 10 count: twelve attempts, the two oldest far slower.
        PackageHistory.Builder twelve =
                PackageHistory.newBuilder().addRecords(ok(1000, 10, 1)).addRecords(ok(1000, 10, 1));
        for (int i = 0; i < 10; i++) {
            twelve.addRecords(ok(10, 10, 1));
        }
        assertThat(LEARNED.learned(twelve.build())).isEqualTo(new LearnedDurations.Learned(1.0, 10));
    }

    @Test
    void aRegressionNeedsThreeEarlierSamplesTheFactorAndHalfASecond() {
        PackageHistory three = history(ok(10, 10, 1), ok(10, 10, 1), ok(10, 10, 1));
        Optional<Regression> slow = LEARNED.regression(three, ok(16, 10, 1));
        assertThat(slow).isPresent();
        assertThat(slow.get().getFactor()).isCloseTo(1.6, within(1e-12));
        assertThat(slow.get().getExpectedSeconds()).isCloseTo(10, within(1e-9));
        assertThat(slow.get().getThreshold()).isEqualTo(1.5);
        assertThat(slow.get().getSamples()).isEqualTo(3);

        assertThat(LEARNED.regression(three, ok(15, 10, 1))).isEmpty(); // exactly 1.5x is not more than 1.5x
        assertThat(LEARNED.regression(history(ok(10, 10, 1), ok(10, 10, 1)), ok(40, 10, 1)))
                .isEmpty(); // 2 samples
        PackageHistory tiny = history(ok(0.1, 10, 1), ok(0.1, 10, 1), ok(0.1, 10, 1));
        assertThat(LEARNED.regression(tiny, ok(0.5, 10, 1))).isEmpty(); // 5x, but only 0.4 s slower: noise
        AttemptRecord failedSlow = ok(40, 10, 1).toBuilder()
                .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
                .build();
        assertThat(LEARNED.regression(three, failedSlow)).isEmpty();
        // The same package on a worker twice as slow is not a regression: speeds are normalised away.
        assertThat(LEARNED.regression(three, ok(20, 20, 1))).isEmpty();
    }

    @Test
    void aFactorOfOneOrLessIsRefused() {
        assertThatThrownBy(() -> LearnedDurations.defaults(DurationModel.ofSbuSeconds(60), 1.0))
                .hasMessageContaining("above 1");
    }

    @Test
    void workerSpeedIsTheMedianAgainstTheBook() {
        WorkerSpeedEstimator speeds = new WorkerSpeedEstimator(DurationModel.ofSbuSeconds(60));
        speeds.observe(ok(30, 0, 1).toBuilder().setBookSbu(1).build()); // 30 s per SBU
        speeds.observe(ok(100, 0, 1).toBuilder().setBookSbu(4).build()); // 25
        speeds.observe(ok(8, 0, 4).toBuilder().setBookSbu(1).build()); // 8 / 0.4 = 20
        speeds.observe(ok(50, 0, 1).toBuilder().setBookSbu(0).build()); // no book figure: ignored
        speeds.observe(ok(99, 0, 1).toBuilder()
                .setBookSbu(1)
                .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
                .build());
        assertThat(speeds.estimate("w").samples()).isEqualTo(3);
        assertThat(speeds.estimate("w").secondsPerSbu()).isCloseTo(25, within(1e-9));
        assertThat(speeds.estimate("other").samples()).isZero();
    }
}
