package dev.lfsfarm.coordinator.workers;

import dev.lfsfarm.common.schedule.WorkerPool;
import java.util.List;

/**
 * A worker as ListWorkers shows it: its session, its free capacity (null once lost), whether it is
 * draining, and the attempts it runs.
 */
public record WorkerView(WorkerSession session, WorkerPool.Slot slot, boolean draining, List<RunningAttempt> running) {

    /** An attempt as ListWorkers shows it. */
    public record RunningAttempt(String id, String buildId, String packageId) {}
}
