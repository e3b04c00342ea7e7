package dev.lfsfarm.worker.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.common.concurrent.DaemonThreadFactory;
import dev.lfsfarm.common.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Heartbeats on a clock moved by hand: the interval is an hour, so every beat the test sees was
 * decided by the injected ticker, not by real time.
 */
class HeartbeatTimerTest {
    private static final Duration INTERVAL = Duration.ofHours(1);
    private static final Duration PATIENCE = Duration.ofSeconds(20);

    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final ScheduledExecutorService timers =
            Executors.newSingleThreadScheduledExecutor(DaemonThreadFactory.named("test-timer"));
    private final HeartbeatTimer timer = new HeartbeatTimer(timers, clock);

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    @Test
    void beatsOncePerIntervalOfTheTickerAndCatchesUp() throws InterruptedException {
        Beats beats = new Beats();
        timer.start(INTERVAL, beats::beat);
        clock.advance(INTERVAL.minusSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        beats.await(1);
        clock.advance(INTERVAL.multipliedBy(3)); // the timer fell behind: three beats, as a fixed rate does
        beats.await(4);
        clock.advance(INTERVAL.dividedBy(2));
        clock.advance(INTERVAL.dividedBy(2));
        beats.await(5);
    }

    @Test
    void aNewSeriesReplacesTheOldOne() throws InterruptedException {
        Beats old = new Beats();
        Beats fresh = new Beats();
        timer.start(INTERVAL, old::beat);
        clock.advance(INTERVAL);
        old.await(1);
        timer.start(INTERVAL.multipliedBy(2), fresh::beat);
        clock.advance(INTERVAL.multipliedBy(2));
        fresh.await(1);
        assertThat(old.count).as("the replaced series beats no more").isEqualTo(1);
    }

    /** The beats of one series, numbered, as the timer thread hands them over. */
    private static final class Beats {
        private final BlockingQueue<Integer> queue = new LinkedBlockingQueue<>();
        /** Written by the timer thread only; the queue hand-off publishes it. */
        private volatile int count;

        void beat() {
            count++;
            queue.add(count);
        }

        /** Waits for the beat numbered {@code number}, which must be the next one. */
        void await(int number) throws InterruptedException {
            Integer next;
            do {
                next = queue.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                if (next == null) {
                    throw new AssertionError("no beat " + number + " within " + PATIENCE.toSeconds() + " s");
                }
            } while (next < number);
            assertThat(next).isEqualTo(number);
            assertThat(queue).as("no beat the clock does not allow").isEmpty();
        }
    }
}
