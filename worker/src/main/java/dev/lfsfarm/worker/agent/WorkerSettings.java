package dev.lfsfarm.worker.agent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

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
        Duration maxBackoff) {

    public WorkerSettings {
        labels = Map.copyOf(labels);
        if (slots < 1 || cores < 1 || memoryMb < 1) {
            throw new IllegalArgumentException("a worker needs at least 1 slot, 1 core and 1 MiB of memory");
        }
    }
}
