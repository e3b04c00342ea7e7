package dev.lfsfarm.worker.execute;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.lfsfarm.common.concurrent.DaemonThreadFactory;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Samples a phase's process tree at a fixed interval: the sum of the members' resident sets (its
 * maximum is the fallback peak RSS), and an estimate of the tree's CPU time (each member's own time
 * plus its reaped children's), used only when the wrapper shell could not report exact times
 * (the phase was killed).
 *
 * <p>Every sampler shares one scheduler thread: a sample is a few reads of /proc, and a thread per
 * phase cost more than the samples.
 *
 * <p>Limits: a spike shorter than the interval can be missed; shared pages are counted once per
 * process, so the sum can exceed what the tree really held.
 */
final class TreeSampler {

    private static final ScheduledExecutorService SCHEDULER =
            Executors.newSingleThreadScheduledExecutor(DaemonThreadFactory.named("phase-sampler"));

    private final ProcessTree tree;
    private final long intervalNanos;

    @GuardedBy("this")
    private ScheduledFuture<?> task;

    // Written by sample() under this (the scheduler thread and the runner's); volatile, so the
    // runner reads the figures without the lock.
    @GuardedBy("this")
    private volatile long peakRssBytes;

    @GuardedBy("this")
    private volatile double userSeconds;

    @GuardedBy("this")
    private volatile double systemSeconds;

    TreeSampler(ProcessTree tree, long intervalNanos) {
        this.tree = tree;
        this.intervalNanos = intervalNanos;
    }

    synchronized void start() {
        task = SCHEDULER.scheduleWithFixedDelay(this::sample, 0, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /** Takes one sample now (also called from the runner right before the phase is finished). */
    synchronized void sample() {
        long rss = 0;
        double user = 0;
        double system = 0;
        for (ProcFs.Stat s : tree.stats()) {
            rss += s.rssBytes();
            user += s.userSeconds();
            system += s.systemSeconds();
        }
        peakRssBytes = Math.max(peakRssBytes, rss);
        if (user + system >= userSeconds + systemSeconds) {
            userSeconds = user;
            systemSeconds = system;
        }
    }

    /**
     * Stops sampling; a sample in progress finishes first (sample() holds the same lock). One that
     * started and waits for the lock may still run after, harmlessly: it sees what is left of the
     * tree, and a maximum only grows.
     */
    synchronized void stop() {
        if (task != null) {
            task.cancel(false);
        }
    }

    long peakRssBytes() {
        return peakRssBytes;
    }

    double userSeconds() {
        return userSeconds;
    }

    double systemSeconds() {
        return systemSeconds;
    }
}
