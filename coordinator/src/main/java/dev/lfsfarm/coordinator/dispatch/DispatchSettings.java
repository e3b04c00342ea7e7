package dev.lfsfarm.coordinator.dispatch;

import java.time.Duration;

/**
 * How the dispatcher treats workers and attempts.
 *
 * @param heartbeatInterval how often workers send a heartbeat
 * @param leaseTimeout silence after which a worker is declared lost and its attempts requeued
 * @param maxRequeues how many times a package lost with its worker is started again before it fails
 * @param logCapBytes bytes of log kept per attempt (the tail)
 * @param arch the arch packages are built for when their recipe names none
 * @param sbuSeconds seconds per SBU assumed for priorities and for workers of unknown speed
 * @param regressionFactor a package slower than this times its median is flagged as a regression
 */
public record DispatchSettings(
        Duration heartbeatInterval,
        Duration leaseTimeout,
        int maxRequeues,
        long logCapBytes,
        String arch,
        double sbuSeconds,
        double regressionFactor) {

    /** Built-in regression factor: 1.5× the package's median. */
    public static final double DEFAULT_REGRESSION_FACTOR = 1.5;

    public DispatchSettings(
            Duration heartbeatInterval,
            Duration leaseTimeout,
            int maxRequeues,
            long logCapBytes,
            String arch,
            double sbuSeconds) {
        this(heartbeatInterval, leaseTimeout, maxRequeues, logCapBytes, arch, sbuSeconds, DEFAULT_REGRESSION_FACTOR);
    }

    public static DispatchSettings defaults(String arch) {
        return new DispatchSettings(Duration.ofSeconds(2), Duration.ofSeconds(10), 2, 64L << 20, arch, 60);
    }
}
