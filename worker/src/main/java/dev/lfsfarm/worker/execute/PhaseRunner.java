package dev.lfsfarm.worker.execute;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.lfsfarm.common.recipe.Phase;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the phases of one attempt, one at a time, each as
 * {@code bash --noprofile --norc -e -o pipefail -c SCRIPT} in a clean environment, and measures
 * its whole process tree.
 *
 * <p>The command line of a phase is
 *
 * <pre>
 * setsid /bin/bash --noprofile --norc -c WRAPPER farm-phase CGROUP_PROCS TIMES_FILE \
 *     [setpriv --reuid=U --regid=G --init-groups] /bin/bash --noprofile --norc -e -o pipefail -c SCRIPT
 * </pre>
 *
 * <ul>
 *   <li>{@code setsid}: the phase gets a session (and process group) of its own, so its background
 *       jobs can still be found (and killed) after their parent exited, and a {@code kill 0} in a
 *       build script (as in {@code trap 'kill 0' EXIT}) signals the phase, not the worker.
 *   <li>The wrapper first joins the phase's cgroup (writes its pid to {@code cgroup.procs}) so that
 *       nothing is forked outside it, then runs the phase as a child, then writes its
 *       {@code times} (the CPU of every waited-for descendant; the fallback measurement) and exits
 *       with the phase's status.
 *   <li>{@code setpriv}: only with a build user (see {@link RunAs}); the wrapper stays the worker's
 *       user so it can join the cgroup and write the times file.
 *   <li>{@code -e}: the first failing command fails the phase (docs/architecture.md, Execution on a
 *       worker). {@code -o pipefail}: a
 *       failure inside a pipeline ({@code make 2>&1 | tee build.log}) is not hidden by its last
 *       command.
 * </ul>
 *
 * <p>With a cgroup and no build user the wrapper is not needed: CPU comes from the cgroup's
 * {@code cpu.stat}, so the phase's own shell joins the cgroup in a prologue on the script's first
 * line (line numbers in bash's messages stay those of the recipe) and the command is just
 *
 * <pre>
 * setsid /bin/bash --noprofile --norc -e -o pipefail -c 'JOIN_CGROUP; SCRIPT'
 * </pre>
 *
 * <p>That is one bash start fewer per phase, which is most of a short phase's overhead.
 *
 * <p>stdin is /dev/null (a build that prompts fails instead of hanging), stdout and stderr are
 * merged in the order written and go to the {@link AttemptLog}. When the phase's shell exits, any
 * process it left behind is killed, because it would keep running unaccounted and hold the log pipe
 * open.
 *
 * <p>{@link #cancel()} may be called from any thread; it stops the running phase's whole tree
 * (SIGTERM, SIGKILL after the grace period) and makes later {@link #run} calls return
 * {@link PhaseResult.Status#CANCELLED} without starting anything.
 */
public final class PhaseRunner {

    /** The wrapper script; $1 = cgroup.procs or "", $2 = times file, the rest = the command. */
    static final String WRAPPER = String.join(
            "\n",
            "if [ -n \"$1\" ]; then",
            "  echo $$ > \"$1\" || { echo \"farm: cannot join cgroup $1\" >&2; exit 125; }",
            "fi",
            "farm_times=$2",
            "shift 2",
            "\"$@\"",
            "farm_rc=$?",
            "LC_ALL=C",
            "times > \"$farm_times\" 2>/dev/null",
            "exit $farm_rc");

    private static final Logger log = LoggerFactory.getLogger(PhaseRunner.class);
    /** How long to wait for the output pipe to close after the tree is gone. */
    private static final long PIPE_CLOSE_MILLIS = 5_000;

    private final ExecutionSettings settings;
    private final Workspace workspace;
    private final String attemptId;
    private final AttemptLog attemptLog;
    /** Guards the running tree and the cancel flag: {@link #cancel()} comes from other threads. */
    private final Object lock = new Object();

    @GuardedBy("lock")
    private boolean cancelled;

    @GuardedBy("lock")
    private ProcessTree running;

    /**
     * @param settings how phases run (shared by all attempts)
     * @param workspace the attempt's workspace
     * @param attemptId the attempt id (names the phase cgroups)
     * @param attemptLog where the output goes
     */
    public PhaseRunner(ExecutionSettings settings, Workspace workspace, String attemptId, AttemptLog attemptLog) {
        this.settings = settings;
        this.workspace = workspace;
        this.attemptId = attemptId;
        this.attemptLog = attemptLog;
    }

    public ExecutionSettings settings() {
        return settings;
    }

    public Workspace workspace() {
        return workspace;
    }

    public AttemptLog attemptLog() {
        return attemptLog;
    }

    /**
     * Runs one phase to its end and measures it.
     *
     * @param phase which phase (names the log chunks and the cgroup)
     * @param script the bash script
     * @param workDir the folder it runs in
     * @param environment the complete environment (see {@link PhaseEnvironment}); nothing else is
     *     passed
     * @return the result; a non-zero exit status is a result, not an exception
     * @throws IOException when the phase cannot be started, or its output could not be logged
     * @throws InterruptedException when the calling thread is interrupted; the phase's tree is killed
     *     first
     */
    public PhaseResult run(Phase phase, String script, Path workDir, Map<String, String> environment)
            throws IOException, InterruptedException {
        synchronized (lock) {
            if (cancelled) {
                return notStarted(phase);
            }
        }
        PhaseCgroup cgroup = null;
        MeasurementMethod method = MeasurementMethod.PROC_SAMPLING;
        if (settings.cgroups().isPresent()) {
            CgroupV2 cgroups = settings.cgroups().get();
            try {
                cgroup = cgroups.create(cgroupName(workspace, attemptId, phase));
                method = cgroups.hasMemoryPeak() ? MeasurementMethod.CGROUP : MeasurementMethod.CGROUP_CPU_SAMPLED_RSS;
            } catch (IOException e) {
                log.warn(
                        "cannot create a cgroup for {} of {}: {}; measuring from /proc",
                        phase.key(),
                        attemptId,
                        e.toString());
            }
        }
        Path timesFile = workspace.internal().resolve(phase.key() + ".times");
        Files.deleteIfExists(timesFile);
        List<String> command = command(script, cgroup, timesFile);
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(environment);

        attemptLog.note(phase, phase.key());
        Instant startedAt = settings.clock().instant();
        long start = settings.ticker().nanos();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            if (cgroup != null) {
                cgroup.remove(1_000_000_000L);
            }
            throw new IOException("cannot start phase " + phase.key() + " of " + attemptId + ": " + e.getMessage(), e);
        }
        ProcessTree tree = new ProcessTree(process.toHandle(), settings.setsid().isPresent(), cgroup);
        boolean cancelledWhileStarting;
        synchronized (lock) {
            running = tree;
            cancelledWhileStarting = cancelled;
        }
        if (cancelledWhileStarting) {
            // cancel() came between the check above and now, and saw nothing to kill.
            tree.terminate(settings.killGrace().toNanos());
        }
        LogPump pump = new LogPump(process.getInputStream(), attemptLog, phase);
        pump.start();
        TreeSampler sampler = null;
        if (method != MeasurementMethod.CGROUP) {
            sampler = new TreeSampler(tree, settings.sampleInterval().toNanos());
            sampler.start();
        }
        int exitCode;
        try {
            exitCode = process.waitFor();
        } catch (InterruptedException e) {
            tree.terminate(settings.killGrace().toNanos());
            process.destroyForcibly();
            finishQuietly(sampler, tree, pump);
            throw e;
        }
        double wall = (settings.ticker().nanos() - start) / 1e9;

        // The shell is gone; anything left in its tree is a leftover.
        if (sampler != null) {
            sampler.sample();
        }
        int leftovers = tree.terminate(settings.killGrace().toNanos());
        if (sampler != null) {
            sampler.stop();
        }
        boolean wasCancelled;
        synchronized (lock) {
            running = null;
            wasCancelled = cancelled;
        }
        if (!pump.join(PIPE_CLOSE_MILLIS)) {
            log.warn(
                    "the output of {} of {} is still open after its processes were killed: a process escaped the "
                            + "tree; the rest of its output is not logged",
                    phase.key(),
                    attemptId);
        }

        double[] cpu = cpuSeconds(cgroup, timesFile, sampler);
        long peak;
        if (method == MeasurementMethod.CGROUP) {
            peak = Math.max(0, cgroup.memoryPeak());
        } else {
            peak = sampler.peakRssBytes();
        }
        if (cgroup != null) {
            cgroup.removeLater();
        }
        Files.deleteIfExists(timesFile);

        PhaseResult.Status status = wasCancelled
                ? PhaseResult.Status.CANCELLED
                : exitCode == 0 ? PhaseResult.Status.SUCCEEDED : PhaseResult.Status.FAILED;
        int signal = exitCode > 128 && exitCode <= 128 + 64 ? exitCode - 128 : 0;
        PhaseResult result = new PhaseResult(
                phase,
                status,
                startedAt,
                new ResourceUse(wall, cpu[0], cpu[1], peak),
                exitCode,
                signal,
                method,
                leftovers);
        log.debug("{} of {}: {}", phase.key(), attemptId, result);

        if (pump.error() != null) {
            throw new IOException(
                    "the log of phase " + phase.key() + " of " + attemptId + " could not be written: " + pump.error(),
                    pump.error());
        }
        if (leftovers > 0 && !wasCancelled) {
            attemptLog.note(phase, phase.key() + " left " + leftovers + " process(es) running; they were killed");
        }
        switch (status) {
            case FAILED ->
                attemptLog.note(
                        phase,
                        String.format("%s failed with exit status %d after %.1f s", phase.key(), exitCode, wall));
            case CANCELLED -> attemptLog.note(phase, String.format("%s cancelled after %.1f s", phase.key(), wall));
            default -> {}
        }
        return result;
    }

    /**
     * Stops the running phase's whole process tree (SIGTERM, then SIGKILL after the grace period)
     * and keeps any later phase from starting. Returns when the tree is gone, within grace + 3 s.
     *
     * @return whether every process of the tree is gone
     */
    public boolean cancel() {
        ProcessTree tree;
        synchronized (lock) {
            cancelled = true;
            tree = running;
        }
        if (tree == null) {
            return true;
        }
        log.info("cancelling the running phase of {} ({})", attemptId, tree);
        tree.terminate(settings.killGrace().toNanos());
        return tree.awaitEmpty(0);
    }

    /** Whether {@link #cancel()} was called. */
    public boolean isCancelled() {
        synchronized (lock) {
            return cancelled;
        }
    }

    /**
     * The phase's cgroup name. Every worker whose process sits in the same cgroup (two farms started
     * from one shell, test farms, several workers of one host) shares the parent folder, and attempt
     * ids repeat across coordinators (each fresh state folder starts at "1-1"), so the name also
     * carries a tag of this worker's work folder. Without it, one worker took another's running
     * phase cgroup for a crashed leftover and killed it (exit 137). The tag is stable across restarts
     * of the same worker, so its own leftovers are still found and removed.
     */
    static String cgroupName(Workspace workspace, String attemptId, Phase phase) {
        Path attempts = workspace.root().toAbsolutePath().normalize().getParent();
        String tag = dev.lfsfarm.common.artifact.Sha256.of(
                        String.valueOf(attempts).getBytes(StandardCharsets.UTF_8))
                .substring(0, 12);
        return "attempt-" + tag + "-" + Workspace.folderName(attemptId) + "-" + phase.key();
    }

    private List<String> command(String script, PhaseCgroup cgroup, Path timesFile) {
        List<String> cmd = new ArrayList<>();
        settings.setsid().ifPresent(p -> cmd.add(p.toString()));
        if (cgroup != null
                && settings.runAs().isEmpty()
                && cgroup.procsFile().toString().indexOf('\'') < 0) {
            cmd.addAll(List.of(
                    settings.bash().toString(),
                    "--noprofile",
                    "--norc",
                    "-e",
                    "-o",
                    "pipefail",
                    "-c",
                    joinPrologue(cgroup.procsFile()) + script));
            return cmd;
        }
        cmd.addAll(List.of(
                settings.bash().toString(),
                "--noprofile",
                "--norc",
                "-c",
                WRAPPER,
                "farm-phase",
                cgroup == null ? "" : cgroup.procsFile().toString(),
                timesFile.toString()));
        settings.runAs().ifPresent(u -> cmd.addAll(u.commandPrefix()));
        cmd.addAll(List.of(settings.bash().toString(), "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script));
        return cmd;
    }

    /**
     * The start of a phase script that moves its shell into the cgroup before the script forks
     * anything; no newline, so the script's first line stays line 1.
     */
    static String joinPrologue(Path procsFile) {
        String file = procsFile.toString();
        if (file.indexOf('\'') >= 0) {
            throw new IllegalArgumentException("cgroup path with a quote: " + file);
        }
        return "{ echo $$ >'" + file + "'; } 2>/dev/null || { echo \"farm: cannot join cgroup " + file
                + "\" >&2; exit 125; }; ";
    }

    private static double[] cpuSeconds(PhaseCgroup cgroup, Path timesFile, TreeSampler sampler) {
        if (cgroup != null) {
            try {
                return cgroup.cpuSeconds();
            } catch (IOException | RuntimeException e) {
                log.warn("cannot read cpu.stat of {}: {}", cgroup, e.toString());
            }
        }
        Optional<double[]> times = ShellTimes.read(timesFile);
        if (times.isPresent()) {
            return times.get();
        }
        // The wrapper was killed before it could report: the last sample is the best estimate.
        return sampler == null ? new double[] {0, 0} : new double[] {sampler.userSeconds(), sampler.systemSeconds()};
    }

    private PhaseResult notStarted(Phase phase) {
        return new PhaseResult(
                phase,
                PhaseResult.Status.CANCELLED,
                settings.clock().instant(),
                ResourceUse.ZERO,
                0,
                0,
                settings.method(),
                0);
    }

    private void finishQuietly(TreeSampler sampler, ProcessTree tree, LogPump pump) {
        try {
            if (sampler != null) {
                sampler.stop();
            }
            pump.join(PIPE_CLOSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            running = null;
        }
        tree.cgroup().ifPresent(c -> c.remove(1_000_000_000L));
    }

    /** Parses the wrapper's {@code times} output. */
    static final class ShellTimes {
        private ShellTimes() {}

        /** User and system seconds of the children (second line), if the file is complete. */
        static Optional<double[]> read(Path file) {
            try {
                if (!Files.exists(file)) {
                    return Optional.empty();
                }
                return parse(Files.readString(file, StandardCharsets.UTF_8));
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        static Optional<double[]> parse(String text) {
            String[] lines = text.strip().split("\n");
            if (lines.length < 2) {
                return Optional.empty();
            }
            String[] parts = lines[1].trim().split("\\s+");
            if (parts.length != 2) {
                return Optional.empty();
            }
            try {
                return Optional.of(new double[] {seconds(parts[0]), seconds(parts[1])});
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        /** "1m2.345s" to 62.345 (a ',' decimal point is accepted too). */
        static double seconds(String t) {
            String s = t.replace(',', '.');
            int m = s.indexOf('m');
            double minutes = m > 0 ? Double.parseDouble(s.substring(0, m)) : 0;
            String sec = s.substring(m + 1).replace("s", "");
            return minutes * 60 + Double.parseDouble(sec);
        }
    }
}
