package dev.lfsfarm.cli.remote;

import dev.lfsfarm.proto.v1.HistoryServiceGrpc;
import dev.lfsfarm.proto.v1.ListWorkerSpeedsRequest;
import dev.lfsfarm.proto.v1.ListWorkerSpeedsResponse;
import dev.lfsfarm.proto.v1.SpeedSource;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Calls to the coordinator's HistoryService, retried against the leader like every CLI call. */
final class HistoryCalls {
    private HistoryCalls() {}

    /** One HistoryService call. */
    @FunctionalInterface
    interface Call<T> {
        T run(HistoryServiceGrpc.HistoryServiceBlockingStub stub);
    }

    /** Runs {@code call}; a coordinator without the service (an older version) gets one clear message (exit 1). */
    static <T> T call(CoordinatorSession session, Call<T> call) throws Exception {
        try {
            return session.call((stub, channel) -> call.run(HistoryServiceGrpc.newBlockingStub(channel)));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                throw Status.UNIMPLEMENTED
                        .withDescription("the coordinator does not serve build history and worker speeds "
                                + "(farm.v1.HistoryService): it is older than this farm command; upgrade it")
                        .asRuntimeException();
            }
            throw e;
        }
    }

    /**
     * Every worker's seconds per SBU as the coordinator knows it, by worker name. A worker of
     * unknown speed gets the coordinator's default figure, which is what the scheduler uses for it.
     */
    static Map<String, WorkerSpeed> speeds(CoordinatorSession session) throws Exception {
        ListWorkerSpeedsResponse response =
                call(session, s -> s.listWorkerSpeeds(ListWorkerSpeedsRequest.getDefaultInstance()));
        Map<String, WorkerSpeed> byName = new LinkedHashMap<>();
        for (WorkerSpeed w : response.getWorkersList()) {
            boolean unknown = w.getSource() == SpeedSource.SPEED_SOURCE_DEFAULT && w.getSecondsPerSbu() <= 0;
            byName.put(
                    w.getWorker(),
                    unknown
                            ? w.toBuilder()
                                    .setSecondsPerSbu(response.getDefaultSecondsPerSbu())
                                    .build()
                            : w);
        }
        return byName;
    }

    /** "calibrated", "estimated" or "default", as the tables show a SpeedSource. */
    static String source(WorkerSpeed speed) {
        return speed.getSource().name().replace("SPEED_SOURCE_", "").toLowerCase(java.util.Locale.ROOT);
    }
}
