package dev.lfsfarm.common.schedule;

/**
 * How long a package takes: {@code sbu × sbuSeconds} on one core, and with {@code c} cores
 * Amdahl's law with a parallel fraction {@code p}: {@code sbu × sbuSeconds × ((1 − p) + p / c)}.
 * With one core the duration is exactly {@code sbu × sbuSeconds}, so a schedule can be checked by
 * hand. Times are whole microseconds so that virtual time adds up exactly and deterministically.
 *
 * @param sbuSeconds seconds one SBU takes on the worker (calibrated per worker on a real farm)
 * @param parallelFraction share of a build that speeds up with more cores, 0..1
 */
public record DurationModel(double sbuSeconds, double parallelFraction) {
    /** Built-in parallel fraction: compile steps scale, configure and link steps mostly do not. */
    public static final double DEFAULT_PARALLEL_FRACTION = 0.8;

    public DurationModel {
        if (!(sbuSeconds > 0) || Double.isInfinite(sbuSeconds)) {
            throw new IllegalArgumentException("seconds per SBU must be a positive number, got " + sbuSeconds);
        }
        if (!(parallelFraction >= 0 && parallelFraction <= 1)) {
            throw new IllegalArgumentException("parallel fraction must be between 0 and 1, got " + parallelFraction);
        }
    }

    public static DurationModel ofSbuSeconds(double sbuSeconds) {
        return new DurationModel(sbuSeconds, DEFAULT_PARALLEL_FRACTION);
    }

    /** Duration in microseconds of a package of {@code sbu} SBU given {@code cores} cores (at least 1). */
    public long micros(double sbu, int cores) {
        return Math.round(sbu * sbuSeconds * coreFactor(cores) * 1_000_000);
    }

    /** The share of its one-core duration a build takes with {@code cores} cores: 1 for one core, less for more. */
    public double coreFactor(int cores) {
        return cores <= 1 ? 1 : (1 - parallelFraction) + parallelFraction / cores;
    }
}
