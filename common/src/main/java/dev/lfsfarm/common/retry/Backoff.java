package dev.lfsfarm.common.retry;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * Exponential backoff with jitter and a cap, the one retry policy of the farm (worker reconnects,
 * the CLI's calls through an outage, artifact transfers across a failover). Each {@link #next()}
 * returns the current delay plus up to {@code jitter} of it at random, then doubles the delay up
 * to the cap; {@link #reset()} goes back to the first delay after a success. Not thread-safe: one
 * retry loop owns an instance (guard it when callbacks of several threads share it).
 */
public final class Backoff {
    private final long firstMillis;
    private final long maxMillis;
    private final double jitter;
    private final LongUnaryOperator random;
    private long currentMillis;

    /**
     * @param first the first delay
     * @param max the longest delay (before jitter)
     * @param jitter the largest fraction of the delay added at random, 0 for none
     */
    public Backoff(Duration first, Duration max, double jitter) {
        this(first, max, jitter, bound -> ThreadLocalRandom.current().nextLong(bound));
    }

    /** With the random source given: {@code random.applyAsLong(n)} returns a value in [0, n). */
    Backoff(Duration first, Duration max, double jitter, LongUnaryOperator random) {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= max, got " + first + " and " + max);
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter is a fraction from 0 to 1, got " + jitter);
        }
        this.firstMillis = first.toMillis();
        this.maxMillis = max.toMillis();
        this.jitter = jitter;
        this.random = random;
        this.currentMillis = firstMillis;
    }

    /** The delay to wait before the next try; the one after it is twice as long, up to the cap. */
    public Duration next() {
        long base = currentMillis;
        long spread = (long) (base * jitter);
        long delay = base + (spread > 0 ? random.applyAsLong(spread + 1) : 0);
        currentMillis = Math.min(maxMillis, base * 2);
        return Duration.ofMillis(delay);
    }

    /** The delay the next {@link #next()} starts from, without jitter. */
    public Duration current() {
        return Duration.ofMillis(currentMillis);
    }

    /** Back to the first delay (a try succeeded). */
    public void reset() {
        currentMillis = firstMillis;
    }
}
