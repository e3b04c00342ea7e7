package dev.lfsfarm.cli.remote;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lfsfarm.proto.v1.PlatformFacts;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import dev.lfsfarm.proto.v1.WorkerStatus;
import java.util.List;

/**
 * A worker as {@code farm workers -o json} prints it. {@code seconds_per_sbu} and
 * {@code speed_source} only when the coordinator knows the worker's speed; {@code attempts} as
 * "BUILD/PKG" (a package id has no slash; the text table shows the PKG part).
 */
record WorkerView(
        String name,
        String state,
        long slots,
        long busy,
        long cores,
        long memoryMb,
        String address,
        @JsonInclude(JsonInclude.Include.NON_NULL) Double secondsPerSbu,
        @JsonInclude(JsonInclude.Include.NON_NULL) String speedSource,
        Platform platform,
        List<String> attempts) {

    /** The worker's platform facts. */
    record Platform(
            String os,
            String kernel,
            String arch,
            long cores,
            long memoryBytes,
            long diskFreeBytes,
            String gcc,
            String make,
            String bash) {
        static Platform of(PlatformFacts p) {
            return new Platform(
                    p.getOsId() + " " + p.getOsVersionId(),
                    p.getKernelRelease(),
                    p.getArch(),
                    p.getCpuCores(),
                    p.getMemoryTotalBytes(),
                    p.getDiskFreeBytes(),
                    p.getGccVersion(),
                    p.getMakeVersion(),
                    p.getBashVersion());
        }
    }

    /** The view of {@code w}, with its speed when it is not null. */
    static WorkerView of(WorkerStatus w, WorkerSpeed speed) {
        return new WorkerView(
                w.getName(),
                w.getState().name().replace("WORKER_STATE_", ""),
                w.getCapacity().getSlots(),
                w.getAttemptsCount(),
                w.getCapacity().getCores(),
                w.getCapacity().getMemoryMb(),
                w.getPeerAddress(),
                speed == null ? null : speed.getSecondsPerSbu(),
                speed == null ? null : HistoryCalls.source(speed),
                Platform.of(w.getPlatform()),
                w.getAttemptsList().stream()
                        .map(a -> a.getBuildId() + "/" + a.getPackageId())
                        .toList());
    }
}
