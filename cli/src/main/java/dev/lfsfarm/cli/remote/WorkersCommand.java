package dev.lfsfarm.cli.remote;

import dev.lfsfarm.cli.ExitCodes;
import dev.lfsfarm.proto.v1.ListWorkersRequest;
import dev.lfsfarm.proto.v1.ListWorkersResponse;
import dev.lfsfarm.proto.v1.PlatformFacts;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import dev.lfsfarm.proto.v1.WorkerStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code farm workers}: connected workers, their capacity, what they run and their platform. */
@Command(
        name = "workers",
        mixinStandardHelpOptions = true,
        description = "List the workers connected to the coordinator, with their seconds per SBU (see farm calibrate).",
        footerHeading = "%nExamples:%n",
        footer = {"  farm workers", "  farm workers --all -o json"})
public final class WorkersCommand extends RemoteCommand {

    @Mixin
    Output output;

    @picocli.CommandLine.Option(
            names = {"-a", "--all"},
            description = "Also list workers the coordinator declared lost.")
    boolean all;

    @Override
    protected int run() throws Exception {
        ListWorkersResponse workers;
        Map<String, WorkerSpeed> speeds;
        try (CoordinatorSession session = session()) {
            workers = session.call((stub, ch) -> stub.listWorkers(
                    ListWorkersRequest.newBuilder().setIncludeLost(all).build()));
            speeds = speeds(session);
        }
        PrintWriter out = out();
        if (output.json()) {
            JsonViews.write(
                    out,
                    new WorkerList(workers.getWorkersList().stream()
                            .map(w -> WorkerView.of(w, speeds.get(w.getName())))
                            .toList()));
            return ExitCodes.OK;
        }
        out.printf(
                Locale.ROOT,
                "%-16s %-12s %9s %6s %9s  %-22s  %-28s %s%n",
                "WORKER",
                "STATE",
                "BUSY",
                "CORES",
                "MEMORY",
                "S/SBU",
                "PLATFORM",
                "RUNNING");
        for (WorkerStatus w : workers.getWorkersList()) {
            PlatformFacts p = w.getPlatform();
            WorkerSpeed speed = speeds.get(w.getName());
            out.printf(
                    Locale.ROOT,
                    "%-16s %-12s %4d/%-4d %6d %6d MiB  %-22s  %-28s %s%n",
                    w.getName(),
                    w.getState().name().replace("WORKER_STATE_", ""),
                    w.getAttemptsCount(),
                    w.getCapacity().getSlots(),
                    w.getCapacity().getCores(),
                    w.getCapacity().getMemoryMb(),
                    speed == null
                            ? "-"
                            : Tables.seconds(speed.getSecondsPerSbu()) + " (" + HistoryCalls.source(speed) + ")",
                    p.getOsId() + " " + p.getOsVersionId() + " " + p.getArch() + " gcc " + p.getGccVersion(),
                    String.join(
                            ", ",
                            w.getAttemptsList().stream()
                                    .map(a -> a.getPackageId())
                                    .toList()));
        }
        if (workers.getWorkersCount() == 0) {
            out.println("(no workers connected)");
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The JSON document. */
    record WorkerList(List<WorkerView> workers) {}

    /** Each worker's seconds per SBU; none from a coordinator that predates HistoryService. */
    private static Map<String, WorkerSpeed> speeds(CoordinatorSession session) throws Exception {
        try {
            return HistoryCalls.speeds(session);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                return Map.of();
            }
            throw e;
        }
    }
}
