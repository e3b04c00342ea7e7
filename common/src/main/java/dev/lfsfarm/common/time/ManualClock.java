package dev.lfsfarm.common.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock and ticker that move only when told to: virtual time for the simulator and for tests of
 * leases, takeover grace and coalescing. Wall time and ticks advance together. Thread-safe.
 */
public final class ManualClock extends Clock implements Ticker {
    private final Instant origin;
    /** Atomic: the test or simulator advances it while the clocked loops read it. */
    private final AtomicLong elapsedNanos = new AtomicLong();

    public ManualClock(Instant origin) {
        this.origin = origin;
    }

    /** Moves time forward by {@code step} (not backwards: a monotonic ticker never does). */
    public void advance(Duration step) {
        if (step.isNegative()) {
            throw new IllegalArgumentException("time does not go back: " + step);
        }
        elapsedNanos.addAndGet(step.toNanos());
    }

    /** Time since the origin. */
    public Duration elapsed() {
        return Duration.ofNanos(elapsedNanos.get());
    }

    @Override
    public long nanos() {
        return elapsedNanos.get();
    }

    @Override
    public Instant instant() {
        return origin.plusNanos(elapsedNanos.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** A view in another zone; it shares this clock's time. */
    @Override
    public Clock withZone(ZoneId other) {
        ManualClock shared = this;
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return other;
            }

            @Override
            public Clock withZone(ZoneId z) {
                return shared.withZone(z);
            }

            @Override
            public Instant instant() {
                return shared.instant();
            }
        };
    }

    @Override
    public String toString() {
        return "ManualClock[" + instant() + "]";
    }
}
