package dev.lfsfarm.cli.remote;

import dev.lfsfarm.proto.v1.ListWorkersRequest;
import dev.lfsfarm.proto.v1.ListWorkersResponse;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code farm workers}: connected workers, their capacity, what they run and their platform. */
@Command(
        name = "workers",
        mixinStandardHelpOptions = true,
        description = "List the workers connected to the coordinator, with their seconds per SBU (see farm calibrate).",
        footerHeading = "%nExamples:%n",
        footer = {"  farm workers", "  farm workers --all -o json"})
public final class WorkersCommand extends ViewCommand<WorkersCommand.WorkerList> {

    @picocli.CommandLine.Option(
            names = {"-a", "--all"},
            description = "Also list workers the coordinator declared lost.")
    boolean all;

    @Override
    protected WorkerList view() throws Exception {
        ListWorkersResponse workers;
        Map<String, WorkerSpeed> speeds;
        try (CoordinatorSession session = session()) {
            workers = session.call((stub, ch) -> stub.listWorkers(
                    ListWorkersRequest.newBuilder().setIncludeLost(all).build()));
            speeds = speeds(session);
        }
        return new WorkerList(workers.getWorkersList().stream()
                .map(w -> WorkerView.of(w, speeds.get(w.getName())))
                .toList());
    }

    @Override
    protected void printText(WorkerList list, PrintWriter out) {
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
        for (WorkerView w : list.workers()) {
            WorkerView.Platform p = w.platform();
            out.printf(
                    Locale.ROOT,
                    "%-16s %-12s %4d/%-4d %6d %6d MiB  %-22s  %-28s %s%n",
                    w.name(),
                    w.state(),
                    w.busy(),
                    w.slots(),
                    w.cores(),
                    w.memoryMb(),
                    w.secondsPerSbu() == null ? "-" : Tables.seconds(w.secondsPerSbu()) + " (" + w.speedSource() + ")",
                    p.os() + " " + p.arch() + " gcc " + p.gcc(),
                    String.join(
                            ", ",
                            w.attempts().stream()
                                    .map(a -> a.substring(a.lastIndexOf('/') + 1))
                                    .toList()));
        }
        if (list.workers().isEmpty()) {
            out.println("(no workers connected)");
        }
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
