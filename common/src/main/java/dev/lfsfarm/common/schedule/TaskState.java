package dev.lfsfarm.common.schedule;

/** Where a package is in its build. The names match {@code farm.v1.PackageState} and the CLI's JSON. */
public enum TaskState {
    /** Some ordering dependency has not finished. */
    WAITING,
    /** Every ordering dependency finished; waiting for a worker. */
    READY,
    /** Placed on a worker (resources reserved). */
    RUNNING,
    /** Built. */
    SUCCEEDED,
    /** Its build failed. */
    FAILED,
    /** Not built because a dependency failed. */
    SKIPPED,
    /** Not built: a result for identical inputs already existed. */
    CACHED,
    /** Not built, or stopped, because the build was cancelled. */
    CANCELLED;

    /** Whether the package will not change state again in this build. */
    public boolean isTerminal() {
        return this != WAITING && this != READY && this != RUNNING;
    }

    /** Whether dependents may use the package's result. */
    public boolean isDone() {
        return this == SUCCEEDED || this == CACHED;
    }
}
