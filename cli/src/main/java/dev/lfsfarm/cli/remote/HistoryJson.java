package dev.lfsfarm.cli.remote;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.lfsfarm.common.wire.ProtoTime;
import dev.lfsfarm.proto.v1.AttemptRecord;
import dev.lfsfarm.proto.v1.GetHistoryResponse;
import java.io.IOException;
import java.io.PrintWriter;

/** The stable JSON of {@code farm history} (docs/reference/cli.md): one object, attempts oldest first. */
final class HistoryJson {
    private HistoryJson() {}

    static void write(PrintWriter out, String packageId, GetHistoryResponse history) {
        Output.json(out, g -> {
            g.writeStartObject();
            g.writeStringField("package", packageId);
            g.writeObjectFieldStart("estimate");
            if (history.getSamples() > 0) {
                g.writeNumberField("sbu", history.getLearnedSbu());
            } else {
                g.writeNullField("sbu");
            }
            g.writeNumberField("samples", history.getSamples());
            g.writeEndObject();
            g.writeArrayFieldStart("attempts");
            for (AttemptRecord a : history.getHistory().getRecordsList()) {
                attempt(g, a);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void attempt(JsonGenerator g, AttemptRecord a) throws IOException {
        g.writeStartObject();
        if (a.hasFinishedAt()) {
            g.writeStringField(
                    "finished_at", ProtoTime.instant(a.getFinishedAt()).toString());
        }
        g.writeStringField("build_id", a.getBuildId());
        g.writeStringField("attempt_id", a.getAttemptId());
        g.writeStringField("version", a.getVersion());
        g.writeStringField("worker", a.getWorker());
        g.writeNumberField("cores", a.getCores());
        g.writeStringField("outcome", HistoryCommand.outcome(a));
        g.writeNumberField("wall_seconds", a.getWallSeconds());
        g.writeNumberField("cpu_seconds", a.getCpuSeconds());
        g.writeNumberField("peak_rss_bytes", a.getPeakRssBytes());
        g.writeNumberField("sbu", a.getSbu());
        g.writeNumberField("seconds_per_sbu", a.getSecondsPerSbu());
        g.writeStringField(
                "speed_source",
                a.getSpeedSource().name().replace("SPEED_SOURCE_", "").toLowerCase(java.util.Locale.ROOT));
        g.writeNumberField("book_sbu", a.getBookSbu());
        g.writeNumberField("disk_used_bytes", a.getDiskUsedBytes());
        g.writeNumberField("artifact_size_bytes", a.getArtifactSizeBytes());
        if (a.hasRegression()) {
            g.writeObjectFieldStart("regression");
            g.writeNumberField("factor", a.getRegression().getFactor());
            g.writeNumberField("threshold", a.getRegression().getThreshold());
            g.writeNumberField("expected_seconds", a.getRegression().getExpectedSeconds());
            g.writeNumberField("samples", a.getRegression().getSamples());
            g.writeEndObject();
        } else {
            g.writeNullField("regression");
        }
        g.writeEndObject();
    }
}
