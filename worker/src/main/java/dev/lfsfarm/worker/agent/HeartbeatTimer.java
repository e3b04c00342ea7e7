package dev.lfsfarm.worker.agent;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.lfsfarm.common.time.Ticker;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the heartbeat of the current Connect stream at a fixed rate: the first one interval after
 * {@link #start}, then one every interval, catching up when the timer thread fell behind (as
 * {@link ScheduledExecutorService#scheduleAtFixedRate} does). When a beat is due comes from the
 * agent's {@link Ticker}; the timer thread only wakes up to look, at most {@link #STEP} apart, so a
 * ticker moved by hand (a {@link dev.lfsfarm.common.time.ManualClock}) is noticed within a step.
 * Thread-safe.
 */
final class HeartbeatTimer {
    /** Longest real wait between two looks at the ticker. */
    static final Duration STEP = Duration.ofMillis(200);

    private final ScheduledExecutorService timers;
    private final Ticker ticker;

    @GuardedBy("this")
    private Beat current;

    HeartbeatTimer(ScheduledExecutorService timers, Ticker ticker) {
        this.timers = timers;
        this.ticker = ticker;
    }

    /** Replaces the running heartbeat (if any) with {@code beat} every {@code interval}. */
    synchronized void start(Duration interval, Runnable beat) {
        if (current != null) {
            current.stop();
        }
        current = new Beat(interval.toNanos(), beat, ticker.nanos() + interval.toNanos());
        current.arm(interval.toNanos());
    }

    /** One heartbeat series; stopped when the next Welcome starts another. */
    private final class Beat implements Runnable {
        private final long intervalNanos;
        private final Runnable beat;
        /** Confined to the timer thread once armed (the executor's hand-off publishes it). */
        private long dueNanos;
        /** Read by the timer thread, written by whoever starts the next series. */
        private volatile boolean stopped;

        @GuardedBy("HeartbeatTimer.this")
        private ScheduledFuture<?> pending;

        Beat(long intervalNanos, Runnable beat, long dueNanos) {
            this.intervalNanos = intervalNanos;
            this.beat = beat;
            this.dueNanos = dueNanos;
        }

        @Override
        public void run() {
            if (stopped) {
                return;
            }
            long left = dueNanos - ticker.nanos();
            if (left <= 0) {
                beat.run();
                dueNanos += intervalNanos;
                left = dueNanos - ticker.nanos();
            }
            synchronized (HeartbeatTimer.this) {
                if (!stopped) {
                    arm(Math.max(0, left));
                }
            }
        }

        @GuardedBy("HeartbeatTimer.this")
        void arm(long leftNanos) {
            try {
                pending = timers.schedule(this, Math.min(leftNanos, STEP.toNanos()), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // the agent is closing: no more heartbeats
            }
        }

        @GuardedBy("HeartbeatTimer.this")
        void stop() {
            stopped = true;
            if (pending != null) {
                pending.cancel(false);
            }
        }
    }
}
