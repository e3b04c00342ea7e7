package dev.lfsfarm.worker.agent;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.lfsfarm.common.retry.Backoff;
import dev.lfsfarm.common.time.Ticker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * When the worker agent connects again: the backoff after a failed or lost stream (exponential with
 * jitter, back to the first delay once a coordinator welcomes the worker), how many standby
 * redirects in a row were followed at once, and the due times of reconnects on the agent's
 * {@link Ticker}. Thread-safe: the stream callbacks and the timer thread share it.
 */
final class ReconnectSchedule {
    /** The first wait after a failure. */
    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
    /** Up to a quarter of each wait is added at random, so workers of a crashed leader do not come back in step. */
    static final double JITTER = 0.25;
    /**
     * Redirects in a row that are followed at once. Past that they wait like any failure, so two
     * standbys that name each other (records changing under them) cannot make a busy loop.
     */
    static final int PROMPT_REDIRECTS = 3;

    private final Ticker ticker;

    @GuardedBy("this")
    private final Backoff backoff;

    @GuardedBy("this")
    private int redirectsInRow;

    /**
     * Waits from {@link #FIRST_BACKOFF} doubling to {@code maxBackoff} (a cap below the first wait
     * counts as the first wait).
     */
    ReconnectSchedule(Duration maxBackoff, Ticker ticker) {
        this(new Backoff(FIRST_BACKOFF, max(FIRST_BACKOFF, maxBackoff), JITTER), ticker);
    }

    /** With the backoff given (tests use one without jitter). */
    ReconnectSchedule(Backoff backoff, Ticker ticker) {
        this.backoff = backoff;
        this.ticker = ticker;
    }

    /** The wait before the next try after a failure; the one after it is twice as long, up to the cap. */
    synchronized Duration afterFailure() {
        return backoff.next();
    }

    /**
     * Counts a standby's redirect and returns how many came in a row; the first
     * {@link #PROMPT_REDIRECTS} are followed at once.
     */
    synchronized int redirected() {
        return ++redirectsInRow;
    }

    /** A coordinator welcomed the worker: the next failure waits the first delay again. */
    synchronized void connected() {
        backoff.reset();
        redirectsInRow = 0;
    }

    /** The ticker reading at which a reconnect {@code delay} from now is due. */
    long dueAfter(Duration delay) {
        return ticker.nanos() + delay.toNanos();
    }

    /** Whole milliseconds until {@code dueNanos}; 0 or less when it is due. */
    long millisUntil(long dueNanos) {
        return TimeUnit.NANOSECONDS.toMillis(dueNanos - ticker.nanos());
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
