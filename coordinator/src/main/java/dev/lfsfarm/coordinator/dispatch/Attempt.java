package dev.lfsfarm.coordinator.dispatch;

import java.time.Instant;

/**
 * One try at building a package on a worker. Its id is unique per coordinator epoch; a result
 * names it, so a result for a superseded attempt is recognised and rejected.
 */
record Attempt(String id, ActiveBuild build, int task, String worker, int number, Instant startedAt) {
    String packageId() {
        return build.graph.id(task);
    }
}
