package dev.lfsfarm.cli.report;

import dev.lfsfarm.proto.v1.PackageStatus;

/**
 * One package's last attempt on a worker, in seconds since the build started: from when the
 * coordinator assigned it to when it accepted the result (or "now" while it runs). These are the
 * coordinator's timestamps, so runs on one worker slot never overlap and chains of dependencies
 * never take less than their sum.
 */
public record Run(PackageStatus status, double start, double end) {
    public String id() {
        return status.getPackageId();
    }

    public String worker() {
        return status.getWorker();
    }

    public double seconds() {
        return end - start;
    }
}
