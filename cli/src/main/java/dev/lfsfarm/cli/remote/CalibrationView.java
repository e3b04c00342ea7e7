package dev.lfsfarm.cli.remote;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.lfsfarm.common.wire.ProtoTime;
import java.util.List;

/**
 * The stable JSON of {@code farm calibrate} (docs/reference/cli.md): the reference package and
 * one result per worker. {@code seconds_per_sbu} and {@code previous} are null when there is none;
 * {@code wall_seconds} only for a build that succeeded, {@code calibrated_at} only when the
 * coordinator stored a calibration from this build, {@code failure} only when it failed.
 */
record CalibrationView(Reference reference, List<Worker> workers) {

    /** The reference package and where its book comes from ("shipped" or a folder). */
    record Reference(@JsonProperty("package") String packageId, String version, double sbu, String book) {}

    /** One worker's calibration. */
    record Worker(
            String worker,
            String buildId,
            String state,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double wallSeconds,
            Double secondsPerSbu,
            @JsonInclude(JsonInclude.Include.NON_NULL) String calibratedAt,
            Previous previous,
            @JsonInclude(JsonInclude.Include.NON_NULL) String failure) {
        static Worker of(CalibrationResult r) {
            return new Worker(
                    r.worker(),
                    r.build().getBuildId(),
                    BuildJson.state(r.build()),
                    r.succeeded() ? round(r.recipeWallSeconds()) : null,
                    r.recorded() ? round(r.stored().getSecondsPerSbu()) : null,
                    r.recorded()
                            ? ProtoTime.instant(r.stored().getCalibratedAt()).toString()
                            : null,
                    r.previous() == null
                            ? null
                            : new Previous(round(r.previous().getSecondsPerSbu()), HistoryCalls.source(r.previous())),
                    r.succeeded() ? null : BuildText.note(r.reference()));
        }
    }

    /** The speed the coordinator knew before, and where it came from. */
    record Previous(double secondsPerSbu, String source) {}

    static CalibrationView of(ReferenceBook reference, List<CalibrationResult> results) {
        return new CalibrationView(
                new Reference(
                        reference.recipe().id(),
                        reference.recipe().version(),
                        reference.recipe().sbu(),
                        reference.shipped() ? "shipped" : reference.folder().toString()),
                results.stream().map(Worker::of).toList());
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }
}
