package dev.lfsfarm.worker.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.common.retry.Backoff;
import dev.lfsfarm.common.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The agent's reconnect decisions on a clock moved by hand: waits, redirects, due times. */
class ReconnectScheduleTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));

    @Test
    void failuresWaitFromAQuarterSecondDoublingToTheCapAndAWelcomeStartsOver() {
        ReconnectSchedule schedule =
                new ReconnectSchedule(new Backoff(ReconnectSchedule.FIRST_BACKOFF, Duration.ofSeconds(2), 0), clock);
        assertThat(schedule.afterFailure()).isEqualTo(Duration.ofMillis(250));
        assertThat(schedule.afterFailure()).isEqualTo(Duration.ofMillis(500));
        assertThat(schedule.afterFailure()).isEqualTo(Duration.ofMillis(1000));
        assertThat(schedule.afterFailure()).isEqualTo(Duration.ofMillis(2000));
        assertThat(schedule.afterFailure()).isEqualTo(Duration.ofMillis(2000));
        schedule.connected();
        assertThat(schedule.afterFailure()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void theProductionScheduleAddsUpToAQuarterOfJitter() {
        ReconnectSchedule schedule = new ReconnectSchedule(Duration.ofSeconds(10), clock);
        long base = 250;
        for (int i = 0; i < 8; i++) {
            Duration delay = schedule.afterFailure();
            assertThat(delay).isBetween(Duration.ofMillis(base), Duration.ofMillis(base + base / 4));
            base = Math.min(base * 2, 10_000);
        }
    }

    @Test
    void aCapBelowTheFirstWaitCountsAsTheFirstWait() {
        ReconnectSchedule schedule = new ReconnectSchedule(Duration.ofMillis(100), clock);
        for (int i = 0; i < 3; i++) {
            assertThat(schedule.afterFailure()).isBetween(Duration.ofMillis(250), Duration.ofMillis(312));
        }
    }

    @Test
    void redirectsAreCountedInARowUntilAWelcome() {
        ReconnectSchedule schedule = new ReconnectSchedule(Duration.ofSeconds(10), clock);
        assertThat(schedule.redirected()).isEqualTo(1);
        assertThat(schedule.redirected()).isEqualTo(2);
        assertThat(schedule.redirected()).isEqualTo(3);
        assertThat(schedule.redirected()).isGreaterThan(ReconnectSchedule.PROMPT_REDIRECTS);
        schedule.connected();
        assertThat(schedule.redirected()).isEqualTo(1);
    }

    @Test
    void aReconnectIsDueWhenTheTickerReachesItNotBefore() {
        ReconnectSchedule schedule =
                new ReconnectSchedule(new Backoff(ReconnectSchedule.FIRST_BACKOFF, Duration.ofSeconds(2), 0), clock);
        clock.advance(Duration.ofHours(5)); // only differences of the ticker mean anything
        long due = schedule.dueAfter(schedule.afterFailure());
        assertThat(schedule.millisUntil(due)).isEqualTo(250);
        clock.advance(Duration.ofMillis(100));
        assertThat(schedule.millisUntil(due)).isEqualTo(150);
        clock.advance(Duration.ofMillis(149));
        assertThat(schedule.millisUntil(due)).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        assertThat(schedule.millisUntil(due)).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(schedule.millisUntil(due)).isNegative();
        assertThat(schedule.millisUntil(schedule.dueAfter(Duration.ZERO))).isZero();
    }
}
