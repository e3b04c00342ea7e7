package dev.lfsfarm.common.concurrent;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the daemon threads of the processes' background pools (timers, watchdogs, log pumps):
 * none of them may keep a JVM alive once its main work is done. Threads are named so that a
 * thread dump says what each one is for.
 */
public final class DaemonThreadFactory implements ThreadFactory {

    private final String name;
    /** Atomic: pools create threads from whichever thread submits; null when threads are not numbered. */
    private final AtomicInteger numbers;

    private DaemonThreadFactory(String name, boolean numbered) {
        this.name = name;
        this.numbers = numbered ? new AtomicInteger() : null;
    }

    /** Every thread is called {@code name}. */
    public static DaemonThreadFactory named(String name) {
        return new DaemonThreadFactory(name, false);
    }

    /** Threads are called {@code prefix-1}, {@code prefix-2}, … */
    public static DaemonThreadFactory numbered(String prefix) {
        return new DaemonThreadFactory(prefix, true);
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new Thread(r, numbers == null ? name : name + "-" + numbers.incrementAndGet());
        t.setDaemon(true);
        return t;
    }
}
