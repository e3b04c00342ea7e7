package dev.lfsfarm.worker.agent;

import dev.lfsfarm.common.time.Ticker;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One worker agent's configuration.
 *
 * @param name unique worker name (the coordinator refuses a second live worker with it)
 * @param slots packages built at once
 * @param cores cores given to builds
 * @param memoryMb memory given to builds, MiB
 * @param labels matched against recipe labels
 * @param workDir workspaces and caches
 * @param keepFailedWorkspaces keep an attempt's workspace after a failure, for a person to look at
 * @param secondsPerSbu this worker's calibrated seconds per SBU (for SBU figures)
 * @param maxBackoff longest wait between reconnection tries
 * @param clock wall time: when attempts started and finished
 * @param ticker monotonic time the agent's loops decide by: heartbeats, reconnect due times,
 *     transfer patience
 */
public record WorkerSettings(
        String name,
        int slots,
        int cores,
        int memoryMb,
        Map<String, String> labels,
        Path workDir,
        boolean keepFailedWorkspaces,
        double secondsPerSbu,
        Duration maxBackoff,
        Clock clock,
        Ticker ticker) {

    public WorkerSettings {
        labels = Map.copyOf(labels);
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(ticker, "ticker");
        if (slots < 1 || cores < 1 || memoryMb < 1) {
            throw new IllegalArgumentException("a worker needs at least 1 slot, 1 core and 1 MiB of memory");
        }
    }

    /** Settings on the system's clocks ({@link Clock#systemUTC()}, {@link Ticker#SYSTEM}). */
    public WorkerSettings(
            String name,
            int slots,
            int cores,
            int memoryMb,
            Map<String, String> labels,
            Path workDir,
            boolean keepFailedWorkspaces,
            double secondsPerSbu,
            Duration maxBackoff) {
        this(
                name,
                slots,
                cores,
                memoryMb,
                labels,
                workDir,
                keepFailedWorkspaces,
                secondsPerSbu,
                maxBackoff,
                Clock.systemUTC(),
                Ticker.SYSTEM);
    }

    /** The same settings on other clocks (a {@link dev.lfsfarm.common.time.ManualClock} in tests). */
    public WorkerSettings withTime(Clock clock, Ticker ticker) {
        return new WorkerSettings(
                name,
                slots,
                cores,
                memoryMb,
                labels,
                workDir,
                keepFailedWorkspaces,
                secondsPerSbu,
                maxBackoff,
                clock,
                ticker);
    }
}
