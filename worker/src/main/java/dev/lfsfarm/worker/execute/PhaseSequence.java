package dev.lfsfarm.worker.execute;

import dev.lfsfarm.common.recipe.Phase;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the phases of a recipe in order (prepare, configure, build, check, install), stopping at the
 * first that fails. An empty or missing phase is skipped, and so is {@code check} when the profile
 * says skip_check.
 */
public final class PhaseSequence {

    /** Lines and bytes of the log tail a result carries. */
    public static final int TAIL_LINES = 50;

    public static final int TAIL_BYTES = 8 << 10;

    private static final Logger log = LoggerFactory.getLogger(PhaseSequence.class);

    private final PhaseRunner runner;
    private final double secondsPerSbu;

    /**
     * @param runner the attempt's runner
     * @param secondsPerSbu the worker's calibrated seconds per SBU (0 = not calibrated)
     */
    public PhaseSequence(PhaseRunner runner, double secondsPerSbu) {
        this.runner = runner;
        this.secondsPerSbu = secondsPerSbu;
    }

    /**
     * Runs the phases.
     *
     * <p>With a build user, the workspace folders the build writes are handed to it first (see
     * {@link Workspace#handTo}), so call this after the sources are unpacked and the sysroot staged.
     *
     * @param phases the recipe's phase scripts
     * @param skipCheck the profile's skip_check
     * @param buildDir the folder the phases run in (see the source unpacker)
     * @param environment the phase environment
     * @param cores cores granted (reported in the measurements)
     * @throws IOException when a phase cannot be started, or the build user cannot use the workspace
     */
    public SequenceResult run(
            Map<Phase, String> phases, boolean skipCheck, Path buildDir, PhaseEnvironment environment, int cores)
            throws IOException, InterruptedException {
        Workspace ws = runner.workspace();
        AttemptLog attemptLog = runner.attemptLog();
        Optional<RunAs> user = runner.settings().runAs();
        if (user.isPresent()) {
            ws.handTo(user.get());
            for (Path dir : List.of(buildDir, ws.dest(), ws.home(), ws.tmp())) {
                if (!user.get().canWrite(dir)) {
                    throw new IOException("build user '" + user.get().name() + "' cannot write " + dir
                            + ": every folder above the worker's work dir must be searchable by it (chmod o+x)");
                }
            }
        }
        for (String ignored : environment.ignored()) {
            attemptLog.note(Phase.PREPARE, "env " + ignored + " ignored: the worker sets it");
        }
        List<PhaseResult> results = new ArrayList<>();
        ResourceUse total = ResourceUse.ZERO;
        Phase failed = null;
        int exitCode = 0;
        boolean cancelled = false;
        for (Phase phase : Phase.values()) {
            String script = phases.get(phase);
            if (script == null || script.isBlank() || (phase == Phase.CHECK && skipCheck)) {
                results.add(PhaseResult.skipped(phase));
                continue;
            }
            PhaseResult r = runner.run(phase, script, buildDir, environment.variables());
            results.add(r);
            total = total.plus(r.usage());
            if (!r.succeeded()) {
                failed = phase;
                exitCode = r.exitCode() != 0 ? r.exitCode() : 1;
                cancelled = r.status() == PhaseResult.Status.CANCELLED;
                break;
            }
        }
        SequenceResult result = new SequenceResult(
                results,
                total,
                failed,
                exitCode,
                cancelled,
                attemptLog.tail(TAIL_LINES, TAIL_BYTES),
                secondsPerSbu,
                cores);
        log.info(
                "{}: {} in {} s ({} SBU)",
                ws.root().getFileName(),
                result.succeeded()
                        ? "phases succeeded"
                        : cancelled
                                ? "cancelled in " + failed.key()
                                : "failed in " + failed.key() + " with exit status " + exitCode,
                String.format("%.1f", total.wallSeconds()),
                String.format("%.2f", result.sbu()));
        return result;
    }

    /** Cancels the running phase and every later one; see {@link PhaseRunner#cancel()}. */
    public boolean cancel() {
        return runner.cancel();
    }
}
