package dev.lfsfarm.worker.execute;

import com.google.protobuf.Timestamp;
import dev.lfsfarm.common.recipe.Phase;
import dev.lfsfarm.proto.v1.PhaseMeasurement;
import java.time.Instant;

/**
 * What one phase did.
 *
 * @param phase the phase
 * @param status how it ended
 * @param startedAt when it started (worker clock); null when skipped
 * @param usage resources of its whole process tree ({@link ResourceUse#ZERO} when skipped)
 * @param exitCode exit status of the phase's shell, 0..255; 128 + n when it was killed by signal n
 * @param signal the signal that ended it, when {@code exitCode} is 129..192 (shell convention: a
 *     script that itself exits with such a status is reported the same way), else 0
 * @param method how CPU and memory were measured
 * @param leftoverProcesses processes still running when the phase's shell exited (background jobs,
 *     daemons) that the worker then killed
 */
public record PhaseResult(
        Phase phase,
        Status status,
        Instant startedAt,
        ResourceUse usage,
        int exitCode,
        int signal,
        MeasurementMethod method,
        int leftoverProcesses) {

    /** How a phase ended. */
    public enum Status {
        /** Exit status 0. */
        SUCCEEDED,
        /** Non-zero exit status. */
        FAILED,
        /** Stopped by {@link PhaseRunner#cancel()}, or not started because the runner was cancelled. */
        CANCELLED,
        /** Not run: empty in the recipe, or {@code check} with the profile's skip_check. */
        SKIPPED
    }

    /** A phase that was not run. */
    public static PhaseResult skipped(Phase phase) {
        return new PhaseResult(phase, Status.SKIPPED, null, ResourceUse.ZERO, 0, 0, null, 0);
    }

    /** Whether the sequence may go on after this phase. */
    public boolean succeeded() {
        return status == Status.SUCCEEDED || status == Status.SKIPPED;
    }

    /** Wall time in SBU; 0 when the worker is not calibrated ({@code secondsPerSbu <= 0}). */
    public double sbu(double secondsPerSbu) {
        return secondsPerSbu > 0 ? usage.wallSeconds() / secondsPerSbu : 0;
    }

    /** As the wire message {@code farm.v1.PhaseMeasurement}. */
    public PhaseMeasurement toProto(double secondsPerSbu) {
        PhaseMeasurement.Builder b = PhaseMeasurement.newBuilder().setPhase(phase.key());
        if (status == Status.SKIPPED) {
            return b.setSkipped(true).build();
        }
        if (startedAt != null) {
            b.setStartedAt(Timestamp.newBuilder()
                    .setSeconds(startedAt.getEpochSecond())
                    .setNanos(startedAt.getNano()));
        }
        return b.setUsage(usage.toProto())
                .setExitCode(exitCode)
                .setSignal(signal)
                .setSbu(sbu(secondsPerSbu))
                .build();
    }
}
