package dev.lfsfarm.worker.execute;

import dev.lfsfarm.common.recipe.Phase;

/**
 * Receives a phase's output (stdout and stderr merged, as written) while it runs, for example to
 * stream it to the coordinator.
 *
 * <p>Backpressure is the point of this interface: {@link #write} may block for as long as the
 * receiver needs. While it blocks, the worker stops reading the phase's output pipe, the pipe fills
 * up and the build itself waits. Nothing is dropped on the way to the sink; the log cap applies only
 * to the copy kept in the workspace {@code log} file (see {@link AttemptLog}).
 */
@FunctionalInterface
public interface LogSink {

    /** A sink that discards everything. */
    LogSink NONE = (chunk, phase) -> {};

    /**
     * Takes one chunk of output. Chunks are 1 byte to 64 KiB, usually end at a line boundary, never
     * span two phases and arrive in order from one thread at a time.
     *
     * @param chunk the bytes; the sink owns the array and may keep it
     * @param phase the phase that wrote them
     * @throws InterruptedException if the thread is interrupted while waiting for room
     */
    void write(byte[] chunk, Phase phase) throws InterruptedException;
}
