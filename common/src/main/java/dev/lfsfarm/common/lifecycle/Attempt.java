package dev.lfsfarm.common.lifecycle;

import java.time.Instant;

/**
 * One try at building a package of a build on a worker. Its id is unique per coordinator epoch; a
 * result names it, so a result for a superseded attempt is recognised and rejected.
 *
 * @param id the attempt id
 * @param buildId the build it belongs to
 * @param task the package's index in the build's graph
 * @param packageId the package's id
 * @param worker the worker it runs on
 * @param number 1 for the package's first attempt, counting every attempt of the package
 * @param startedAt when it was assigned
 */
public record Attempt(
        String id, String buildId, int task, String packageId, String worker, int number, Instant startedAt) {}
