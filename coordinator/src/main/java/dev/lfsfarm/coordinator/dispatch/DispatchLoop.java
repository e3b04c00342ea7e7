package dev.lfsfarm.coordinator.dispatch;

import dev.lfsfarm.common.concurrent.DaemonThreadFactory;
import dev.lfsfarm.common.error.FarmException;
import dev.lfsfarm.coordinator.state.FencedException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher's event queue: one thread runs every event in order, so the state the events
 * touch is confined to it and needs no locks. A registry write that is fenced off (another
 * coordinator leads now) halts the loop on the spot: from then on no event runs.
 */
public final class DispatchLoop implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DispatchLoop.class);

    private final ScheduledExecutorService loop =
            Executors.newSingleThreadScheduledExecutor(DaemonThreadFactory.named("dispatcher"));
    private final long epoch;
    /** Set once deposed: nothing runs any more. Read from any thread. */
    private volatile boolean halted;

    private volatile Runnable onHalt = () -> {};

    DispatchLoop(long epoch) {
        this.epoch = epoch;
    }

    /** What runs on the loop thread once, when the loop halts (disconnecting workers and watchers). */
    void onHalt(Runnable action) {
        this.onHalt = action;
    }

    /** Runs {@code work} on the loop thread; the future fails UNAVAILABLE when halted or shutting down. */
    <T> CompletableFuture<T> call(Callable<T> work) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (loop.isShutdown() || halted) {
            result.completeExceptionally(unavailable());
            return result;
        }
        try {
            loop.execute(() -> {
                if (halted) {
                    result.completeExceptionally(unavailable());
                    return;
                }
                try {
                    result.complete(work.call());
                } catch (FencedException e) {
                    halt(e.getMessage());
                    result.completeExceptionally(unavailable());
                } catch (Throwable e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(FarmException.unavailable("the coordinator is shutting down"));
        }
        return result;
    }

    /** Runs {@code work} on the loop thread, nothing when halted or shutting down; failures are logged. */
    void run(Runnable work) {
        if (loop.isShutdown() || halted) {
            return; // shutting down or deposed: late stream callbacks have nothing left to change
        }
        try {
            loop.execute(() -> guarded(work));
        } catch (RejectedExecutionException e) {
            log.debug("event after shutdown ignored");
        }
    }

    /** Runs {@code work} on the loop thread after {@code delayNanos}. */
    void schedule(Runnable work, long delayNanos) {
        try {
            loop.schedule(() -> guarded(work), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("timer after shutdown ignored");
        }
    }

    /** Runs {@code work} on the loop thread every {@code periodMillis}. */
    void every(long periodMillis, Runnable work) {
        loop.scheduleWithFixedDelay(() -> guarded(work), periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Runs an event unless deposed; a fenced registry write deposes this dispatcher on the spot. */
    private void guarded(Runnable work) {
        if (halted) {
            return;
        }
        try {
            work.run();
        } catch (FencedException e) {
            halt(e.getMessage());
        } catch (RuntimeException e) {
            log.error("dispatcher event failed", e);
        }
    }

    /** Why nothing runs: deposed, or shutting down. */
    FarmException unavailable() {
        return halted ? deposed() : FarmException.unavailable("the coordinator is shutting down");
    }

    FarmException deposed() {
        return FarmException.unavailable("this coordinator (epoch " + epoch + ") is no longer the leader; retry");
    }

    /** Stops running events for good; the halt action runs once on the loop thread. Any thread, more than once. */
    void halt(String why) {
        if (halted) {
            return;
        }
        halted = true;
        log.info("dispatching stopped under epoch {}: {}", epoch, why);
        try {
            loop.execute(onHalt);
        } catch (RejectedExecutionException e) {
            // already shut down: nothing left connected
        }
    }

    boolean isHalted() {
        return halted;
    }

    @Override
    public void close() {
        loop.shutdown();
        try {
            if (!loop.awaitTermination(5, TimeUnit.SECONDS)) {
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            loop.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
