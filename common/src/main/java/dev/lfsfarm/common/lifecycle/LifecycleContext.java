package dev.lfsfarm.common.lifecycle;

import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.WorkerPool;
import dev.lfsfarm.common.time.Ticker;
import dev.lfsfarm.proto.v1.EstimateSource;
import dev.lfsfarm.proto.v1.PackageEstimate;
import java.time.Clock;

/**
 * What the lifecycles of all builds of one coordinator (or one simulation) share: the worker pool
 * their schedulers place on, the duration model, the per-package estimates, the requeue limit and
 * the clocks.
 *
 * @param pool workers and their free capacity, shared by every build's scheduler
 * @param model durations that weigh the critical path
 * @param estimates a package's expected SBU (learned from history, or the book's)
 * @param maxRequeues how many times a package lost with its worker starts again before it fails
 * @param clock wall time for timestamps
 * @param ticker monotonic time for dispatch latency
 */
public record LifecycleContext(
        WorkerPool pool, DurationModel model, Estimates estimates, int maxRequeues, Clock clock, Ticker ticker) {

    /** Where a package's expected SBU comes from. */
    @FunctionalInterface
    public interface Estimates {
        /** The book's own SBU, as a BOOK estimate. */
        Estimates BOOK = (packageId, bookSbu) -> PackageEstimate.newBuilder()
                .setPackageId(packageId)
                .setSbu(bookSbu)
                .setSource(EstimateSource.ESTIMATE_SOURCE_BOOK)
                .build();

        PackageEstimate estimate(String packageId, double bookSbu);
    }
}
