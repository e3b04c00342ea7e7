package dev.lfsfarm.common.lifecycle;

import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.CancelReason;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.util.List;

/**
 * Something a {@link BuildLifecycle} decided must happen outside it: a write to the registry, an
 * event for watchers, a message to a worker, a change to the cross-build indexes. The lifecycle
 * only returns effects; its owner carries them out in the order given (see {@link BuildLifecycle}
 * for that order). Every payload is a snapshot taken when the effect was made.
 */
public sealed interface Effect {

    /** An attempt is now current: index it by id, and its action key as in flight if none is yet. */
    record AttemptStarted(Attempt attempt, String actionKey) implements Effect {}

    /** An attempt is over (result, loss, release, cancel): forget it, free its action key, close its log. */
    record AttemptEnded(Attempt attempt, String actionKey) implements Effect {}

    /** A package was built: its result goes into the action cache for identical actions. */
    record RecordActionResult(ActionResult result) implements Effect {}

    /** Package statuses changed: make them durable. */
    record PersistPackages(String buildId, List<PackageStatus> statuses) implements Effect {
        public PersistPackages {
            statuses = List.copyOf(statuses);
        }
    }

    /** A package status changed: tell the build's watchers (after it was persisted). */
    record PackageChanged(PackageStatus status) implements Effect {}

    /**
     * The build's counts changed: tell watchers, coalesced ({@code finalCounts} false), or at once
     * because the build is ending and these counts are its last ({@code finalCounts} true). The counts
     * are read from the lifecycle when the event goes out, so a coalesced one carries the newest.
     */
    record ProgressChanged(boolean finalCounts) implements Effect {}

    /** The build's summary changed (state, message, timestamps): make it durable. */
    record PersistBuild(Build build) implements Effect {}

    /** The build moved from {@code previous} to {@code state}: tell watchers (after it was persisted). */
    record BuildStateChanged(BuildState previous, BuildState state, String message) implements Effect {}

    /** The build reached its end state: its watchers' streams end. */
    record BuildFinished(BuildState state) implements Effect {}

    /** Tell {@code worker} to stop attempt {@code attemptId}. */
    record SendCancel(String attemptId, String worker, CancelReason reason, String message) implements Effect {}

    /** A package was placed {@code readyNanos} after it became READY (dispatch latency). */
    record Dispatched(String packageId, long readyNanos) implements Effect {}
}
