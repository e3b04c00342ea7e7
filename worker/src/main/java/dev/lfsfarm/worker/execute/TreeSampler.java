package dev.lfsfarm.worker.execute;

import java.util.concurrent.locks.LockSupport;

/**
 * Samples a phase's process tree at a fixed interval: the sum of the members' resident sets (its
 * maximum is the fallback peak RSS), and an estimate of the tree's CPU time (each member's own time
 * plus its reaped children's), used only when the wrapper shell could not report exact times
 * (the phase was killed).
 *
 * <p>Limits: a spike shorter than the interval can be missed; shared pages are counted once per
 * process, so the sum can exceed what the tree really held.
 */
final class TreeSampler implements Runnable {

    private final ProcessTree tree;
    private final long intervalNanos;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile long peakRssBytes;
    private volatile double userSeconds;
    private volatile double systemSeconds;

    TreeSampler(ProcessTree tree, long intervalNanos, String name) {
        this.tree = tree;
        this.intervalNanos = intervalNanos;
        this.thread = new Thread(this, name);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        while (!stopped) {
            sample();
            LockSupport.parkNanos(intervalNanos);
        }
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

    /** Stops sampling and waits for the sampling thread to end. */
    void stop() throws InterruptedException {
        stopped = true;
        LockSupport.unpark(thread);
        thread.join();
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
