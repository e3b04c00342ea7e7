package dev.lfsfarm.common.lifecycle;

import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.Policy;
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
 * @param policy which ready package goes first
 * @param referenceCores the core count the critical path's durations are weighed at
 */
public record LifecycleContext(
        WorkerPool pool,
        DurationModel model,
        Estimates estimates,
        int maxRequeues,
        Clock clock,
        Ticker ticker,
        Policy policy,
        int referenceCores) {

    /** The coordinator's: critical path first, weighed at {@link #COORDINATOR_REFERENCE_CORES} cores. */
    public LifecycleContext(
            WorkerPool pool, DurationModel model, Estimates estimates, int maxRequeues, Clock clock, Ticker ticker) {
        this(pool, model, estimates, maxRequeues, clock, ticker, Policy.CRITICAL_PATH, COORDINATOR_REFERENCE_CORES);
    }

    /** The cores a coordinator weighs critical paths at: a typical worker's, not any one worker's. */
    public static final int COORDINATOR_REFERENCE_CORES = 4;

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
