package dev.lfsfarm.worker.execute;

import dev.lfsfarm.common.recipe.Phase;
import dev.lfsfarm.proto.v1.Measurements;
import java.util.List;
import java.util.Optional;

/**
 * What the phases of an attempt did.
 *
 * @param phases every phase in order: run ones, and skipped ones (empty, or check under
 *     skip_check); phases after a failure are not listed
 * @param total the sum over the phases that ran (wall and CPU add up, the peak is the largest)
 * @param failedPhase the phase that failed or was cancelled, or null when all succeeded
 * @param exitCode 0 on success, else the failed phase's exit status
 * @param cancelled whether the sequence was cancelled
 * @param logTail the end of the log (at most 50 lines, 8 KiB), for a failure report
 * @param secondsPerSbu the worker's calibrated seconds per SBU used for {@link #sbu()}; 0 = not
 *     calibrated
 * @param cores the cores the attempt was given (FARM_JOBS)
 */
public record SequenceResult(
        List<PhaseResult> phases,
        ResourceUse total,
        Phase failedPhase,
        int exitCode,
        boolean cancelled,
        String logTail,
        double secondsPerSbu,
        int cores) {

    public SequenceResult {
        phases = List.copyOf(phases);
    }

    /** Whether every phase succeeded (or was skipped). */
    public boolean succeeded() {
        return failedPhase == null && !cancelled;
    }

    public Optional<Phase> failed() {
        return Optional.ofNullable(failedPhase);
    }

    /** Wall time of the phases in SBU: total wall seconds / seconds per SBU; 0 when not calibrated. */
    public double sbu() {
        return secondsPerSbu > 0 ? total.wallSeconds() / secondsPerSbu : 0;
    }

    /**
     * As the wire message {@code farm.v1.Measurements}, covering the recipe phases only. The caller
     * adds its pipeline steps (fetch, stage, pack, upload), widens {@code total} to them and sets
     * {@code artifact_size_bytes}; {@code sbu} stays the phases' figure, as the proto defines it.
     */
    public Measurements toProto() {
        Measurements.Builder b = Measurements.newBuilder()
                .setTotal(total.toProto())
                .setExitCode(exitCode)
                .setSbu(sbu())
                .setSecondsPerSbu(Math.max(0, secondsPerSbu))
                .setCores(Math.max(0, cores));
        for (PhaseResult p : phases) {
            b.addPhases(p.toProto(secondsPerSbu));
        }
        return b.build();
    }
}
