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
            Output.json(out, json -> {
                json.writeStartObject();
                json.writeArrayFieldStart("workers");
                for (WorkerStatus w : workers.getWorkersList()) {
                    json.writeStartObject();
                    json.writeStringField("name", w.getName());
                    json.writeStringField("state", w.getState().name().replace("WORKER_STATE_", ""));
                    json.writeNumberField("slots", w.getCapacity().getSlots());
                    json.writeNumberField("busy", w.getAttemptsCount());
                    json.writeNumberField("cores", w.getCapacity().getCores());
                    json.writeNumberField("memory_mb", w.getCapacity().getMemoryMb());
                    json.writeStringField("address", w.getPeerAddress());
                    WorkerSpeed speed = speeds.get(w.getName());
                    if (speed != null) {
                        json.writeNumberField("seconds_per_sbu", speed.getSecondsPerSbu());
                        json.writeStringField("speed_source", HistoryCalls.source(speed));
                    }
                    PlatformFacts p = w.getPlatform();
                    json.writeObjectFieldStart("platform");
                    json.writeStringField("os", p.getOsId() + " " + p.getOsVersionId());
                    json.writeStringField("kernel", p.getKernelRelease());
                    json.writeStringField("arch", p.getArch());
                    json.writeNumberField("cores", p.getCpuCores());
                    json.writeNumberField("memory_bytes", p.getMemoryTotalBytes());
                    json.writeNumberField("disk_free_bytes", p.getDiskFreeBytes());
                    json.writeStringField("gcc", p.getGccVersion());
                    json.writeStringField("make", p.getMakeVersion());
                    json.writeStringField("bash", p.getBashVersion());
                    json.writeEndObject();
                    json.writeArrayFieldStart("attempts");
                    for (var a : w.getAttemptsList()) {
                        json.writeString(a.getBuildId() + "/" + a.getPackageId());
                    }
                    json.writeEndArray();
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeEndObject();
            });
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
