package dev.lfsfarm.cli.remote;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildProgress;
import dev.lfsfarm.proto.v1.EstimateSource;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.io.IOException;

/** The stable JSON of builds and packages (docs/reference/cli.md): states in capitals, seconds as numbers. */
final class BuildJson {
    private BuildJson() {}

    static String state(Build b) {
        return b.getState().name().replace("BUILD_STATE_", "");
    }

    static String state(PackageStatus p) {
        return p.getState().name().replace("PACKAGE_STATE_", "");
    }

    static void build(JsonGenerator json, Build b, boolean packages) throws IOException {
        json.writeStringField("build_id", b.getBuildId());
        json.writeStringField("state", state(b));
        json.writeStringField("book", b.getBookName());
        json.writeArrayFieldStart("targets");
        for (String t : b.getTargetsList()) {
            json.writeString(t);
        }
        json.writeEndArray();
        json.writeStringField("profile", b.getProfile());
        if (!b.getMessage().isEmpty()) {
            json.writeStringField("message", b.getMessage());
        }
        progress(json, b.getProgress());
        if (b.hasStartedAt()) {
            double end = b.hasFinishedAt() ? seconds(b.getFinishedAt()) : System.currentTimeMillis() / 1000.0;
            json.writeNumberField("wall_seconds", Math.round((end - seconds(b.getStartedAt())) * 1000) / 1000.0);
        }
        if (packages) {
            json.writeArrayFieldStart("packages");
            for (PackageStatus p : b.getPackagesList()) {
                pkg(json, p);
            }
            json.writeEndArray();
        }
    }

    private static void progress(JsonGenerator json, BuildProgress p) throws IOException {
        json.writeObjectFieldStart("progress");
        json.writeNumberField("total", p.getTotal());
        json.writeNumberField("done", p.getDone());
        json.writeNumberField("running", p.getRunning());
        json.writeNumberField("succeeded", p.getSucceeded());
        json.writeNumberField("cached", p.getCached());
        json.writeNumberField("failed", p.getFailed());
        json.writeNumberField("skipped", p.getSkipped());
        json.writeNumberField("cancelled", p.getCancelled());
        json.writeNumberField("regressions", p.getRegressions());
        json.writeEndObject();
    }

    private static void pkg(JsonGenerator json, PackageStatus p) throws IOException {
        json.writeStartObject();
        json.writeStringField("id", p.getPackageId());
        json.writeStringField("version", p.getVersion());
        json.writeStringField("state", state(p));
        json.writeStringField("worker", p.getWorker().isEmpty() ? null : p.getWorker());
        json.writeNumberField("attempts", p.getAttempts());
        json.writeBooleanField("cache_hit", p.getCacheHit());
        json.writeNumberField("wall_seconds", p.getWallSeconds());
        if (p.hasMeasurements()) {
            json.writeNumberField(
                    "user_cpu_seconds", p.getMeasurements().getTotal().getUserCpuSeconds());
            json.writeNumberField(
                    "system_cpu_seconds", p.getMeasurements().getTotal().getSystemCpuSeconds());
            json.writeNumberField(
                    "peak_rss_bytes", p.getMeasurements().getTotal().getPeakRssBytes());
            json.writeNumberField("sbu", p.getMeasurements().getSbu());
        }
        json.writeNumberField("sbu_estimate", p.getSbuEstimate());
        json.writeStringField(
                "estimate_source",
                p.getEstimateSource() == EstimateSource.ESTIMATE_SOURCE_LEARNED ? "learned" : "book");
        if (p.hasRegression()) {
            json.writeObjectFieldStart("regression");
            json.writeNumberField("factor", p.getRegression().getFactor());
            json.writeNumberField("threshold", p.getRegression().getThreshold());
            json.writeNumberField("expected_seconds", p.getRegression().getExpectedSeconds());
            json.writeNumberField("samples", p.getRegression().getSamples());
            json.writeEndObject();
        }
        json.writeStringField("skipped_because", p.getSkippedBecause().isEmpty() ? null : p.getSkippedBecause());
        if (p.getState().name().endsWith("FAILED")) {
            json.writeNumberField("exit_code", p.getExitCode());
            json.writeStringField("failed_phase", p.getFailedPhase());
            json.writeStringField("failure", p.getFailureReason());
        }
        json.writeStringField(
                "artifact",
                p.getArtifact().getSha256().isEmpty() ? null : p.getArtifact().getSha256());
        json.writeStringField("action_key", p.getActionKey());
        json.writeEndObject();
    }

    static double seconds(com.google.protobuf.Timestamp t) {
        return t.getSeconds() + t.getNanos() / 1e9;
    }
}
