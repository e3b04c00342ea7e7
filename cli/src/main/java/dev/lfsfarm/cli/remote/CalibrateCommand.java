package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.cli.UsageException;
import dev.lfsfarm.common.input.Suggestions;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.ListWorkersRequest;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import dev.lfsfarm.proto.v1.WorkerState;
import dev.lfsfarm.proto.v1.WorkerStatus;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code farm calibrate}: builds the SBU reference package on each worker, alone, on one core and
 * without the cache; the coordinator stores wall time / the recipe's sbu as the worker's seconds
 * per SBU. One worker after another by default, since workers sharing a host would slow each
 * other down and each would look slower than it is.
 */
@Command(
        name = "calibrate",
        mixinStandardHelpOptions = true,
        description = {
            "Measure each worker's seconds per SBU.",
            "Builds the SBU reference package on each worker, on one core and without the cache; "
                    + "the coordinator stores its wall time divided by the recipe's sbu.",
            "The reference is the sbu_reference of the profile of --book, else the book shipped in the farm jar "
                    + "(examples/sbu-reference: a binutils-like C build, 1 SBU by definition).",
            "Workers are calibrated one after another, so that workers sharing a host do not slow each other; "
                    + "--parallel calibrates all at once.",
            "Exit status: 0 when every worker was calibrated, 1 when a calibration build failed."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  farm calibrate",
            "  farm calibrate --worker pve1-ct101 --worker pve2-ct102",
            "  farm calibrate --book ~/lfs-book --profile cross   # sbu_reference: binutils-pass1",
            "  farm calibrate --parallel --json > speeds.json"
        })
public final class CalibrateCommand extends RemoteCommand {

    @Mixin
    Output output;

    @Option(
            names = "--book",
            paramLabel = "DIR",
            description = "Book whose profile names the reference package "
                    + "(sbu_reference; default: the shipped reference book).")
    Path book;

    @Option(names = "--profile", paramLabel = "NAME", description = "Profile of --book (default: the book's default).")
    String profile;

    @Option(
            names = {"-w", "--worker"},
            paramLabel = "NAME",
            description = "Worker to calibrate; repeat for several " + "(default: every ACTIVE worker).")
    List<String> workers = new ArrayList<>();

    @Option(names = "--parallel", description = "Calibrate every worker at once (only for workers on separate hosts).")
    boolean parallel;

    @Override
    protected int run() throws Exception {
        PrintWriter out = out();
        PrintWriter err = err();
        boolean asJson = output.json();
        try (ReferenceBook reference = ReferenceBook.open(book, profile);
                CoordinatorSession session = session()) {
            Submission submission = Submission.prepare(
                    reference.folder(), List.of(reference.recipe().id()), reference.profile(), true, false);
            List<WorkerStatus> listed = session.call(
                            (stub, ch) -> stub.listWorkers(ListWorkersRequest.getDefaultInstance()))
                    .getWorkersList();
            List<String> chosen = choose(listed, workers);
            if (chosen.isEmpty()) {
                err.println("farm: error: no workers are connected to "
                        + coordinator.source().describe() + ": start one with 'farm worker', then calibrate");
                err.flush();
                return ExitCodes.FAILURE;
            }
            Map<String, WorkerSpeed> before = HistoryCalls.speeds(session);
            err.printf(
                    "farm: calibrating %d worker%s with %s %s (%s SBU%s), %s%n",
                    chosen.size(),
                    chosen.size() == 1 ? "" : "s",
                    reference.recipe().id(),
                    reference.recipe().version(),
                    Tables.number(reference.recipe().sbu()),
                    reference.shipped() ? ", the shipped reference" : " from " + reference.folder(),
                    parallel ? "all at once" : "one after another");
            err.flush();
            Map<String, Build> builds = run(session, submission, chosen, err, asJson);
            Map<String, WorkerSpeed> after = HistoryCalls.speeds(session);
            List<CalibrationResult> results = new ArrayList<>();
            builds.forEach((worker, build) ->
                    results.add(new CalibrationResult(worker, build, before.get(worker), after.get(worker))));
            CalibrationTable.print(out, err, reference, results, asJson);
            return results.stream().allMatch(CalibrationResult::succeeded) ? ExitCodes.OK : ExitCodes.FAILURE;
        }
    }

    /**
     * Submits one calibration build per worker and follows it to its end: each in turn, or all
     * submitted first with {@code --parallel}. Returns the finished builds by worker.
     */
    private Map<String, Build> run(
            CoordinatorSession session, Submission submission, List<String> chosen, PrintWriter err, boolean asJson)
            throws Exception {
        boolean terminal = System.console() != null && !asJson;
        Map<String, SubmitBuildResponse> submitted = new LinkedHashMap<>();
        Map<String, Build> finished = new LinkedHashMap<>();
        for (String worker : chosen) {
            submitted.put(worker, submit(session, submission.calibrating(worker), worker, err));
            if (!parallel) {
                finished.put(
                        worker,
                        new BuildFollower(session, err, terminal)
                                .follow(submitted.get(worker).getBuildId()));
            }
        }
        if (parallel) {
            for (Map.Entry<String, SubmitBuildResponse> e : submitted.entrySet()) {
                finished.put(
                        e.getKey(),
                        new BuildFollower(session, err, terminal)
                                .follow(e.getValue().getBuildId()));
            }
        }
        return finished;
    }

    private static SubmitBuildResponse submit(
            CoordinatorSession session, Submission calibration, String worker, PrintWriter err) throws Exception {
        SubmitBuildResponse response = session.call(calibration::submit);
        err.println("farm: " + worker + ": calibration build " + response.getBuildId());
        err.flush();
        return response;
    }

    /**
     * The workers to calibrate: those named (each must be connected and ACTIVE), or every ACTIVE
     * one. A name the coordinator does not know is bad input (exit 2).
     */
    static List<String> choose(List<WorkerStatus> listed, List<String> named) {
        Map<String, WorkerStatus> byName = new LinkedHashMap<>();
        listed.forEach(w -> byName.put(w.getName(), w));
        if (named.isEmpty()) {
            return listed.stream()
                    .filter(w -> w.getState() == WorkerState.WORKER_STATE_ACTIVE)
                    .map(WorkerStatus::getName)
                    .toList();
        }
        List<String> chosen = new ArrayList<>();
        for (String name : new LinkedHashSet<>(named)) {
            WorkerStatus w = byName.get(name);
            if (w == null) {
                throw new UsageException(
                        "--worker: unknown worker '" + name + "'" + Suggestions.didYouMean(name, byName.keySet())
                                + (byName.isEmpty()
                                        ? " (no workers are connected)"
                                        : " (connected: " + String.join(", ", byName.keySet()) + ")"));
            }
            if (w.getState() != WorkerState.WORKER_STATE_ACTIVE) {
                throw new UsageException("--worker: worker '" + name + "' is "
                        + w.getState().name().replace("WORKER_STATE_", "")
                        + ", not ACTIVE: it takes no new builds now");
            }
            chosen.add(name);
        }
        return chosen;
    }
}
