package dev.lfsfarm.cli.remote;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.AttemptRecord;
import dev.lfsfarm.proto.v1.GetHistoryResponse;
import java.util.List;
import java.util.Locale;

/**
 * The stable JSON of {@code farm history} (docs/reference/cli.md): the package, the estimate
 * learned from its history ({@code sbu} null without samples), and its attempts oldest first.
 */
record HistoryView(@JsonProperty("package") String packageId, Estimate estimate, List<Attempt> attempts) {

    /** The learned SBU (null when nothing was learned) and how many attempts it comes from. */
    record Estimate(Double sbu, int samples) {}

    /** One recorded attempt; {@code finished_at} only when it is known, {@code regression} null unless slow. */
    record Attempt(
            @JsonInclude(JsonInclude.Include.NON_NULL) String finishedAt,
            String buildId,
            String attemptId,
            String version,
            String worker,
            int cores,
            String outcome,
            double wallSeconds,
            double cpuSeconds,
            long peakRssBytes,
            double sbu,
            double secondsPerSbu,
            String speedSource,
            double bookSbu,
            long diskUsedBytes,
            long artifactSizeBytes,
            RegressionView regression) {
        static Attempt of(AttemptRecord a) {
            return new Attempt(
                    a.hasFinishedAt() ? ProtoTime.instant(a.getFinishedAt()).toString() : null,
                    a.getBuildId(),
                    a.getAttemptId(),
                    a.getVersion(),
                    a.getWorker(),
                    a.getCores(),
                    HistoryCommand.outcome(a),
                    a.getWallSeconds(),
                    a.getCpuSeconds(),
                    a.getPeakRssBytes(),
                    a.getSbu(),
                    a.getSecondsPerSbu(),
                    a.getSpeedSource().name().replace("SPEED_SOURCE_", "").toLowerCase(Locale.ROOT),
                    a.getBookSbu(),
                    a.getDiskUsedBytes(),
                    a.getArtifactSizeBytes(),
                    a.hasRegression() ? RegressionView.of(a.getRegression()) : null);
        }
    }

    static HistoryView of(String packageId, GetHistoryResponse history) {
        return new HistoryView(
                packageId,
                new Estimate(history.getSamples() > 0 ? history.getLearnedSbu() : null, history.getSamples()),
                history.getHistory().getRecordsList().stream().map(Attempt::of).toList());
    }
}
