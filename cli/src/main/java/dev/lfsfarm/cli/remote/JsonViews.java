package dev.lfsfarm.cli.remote;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.lfsfarm.common.report.ScheduleJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/**
 * The JSON of the CLI's view records, written by Jackson databind. One naming policy for every
 * command: a record component {@code buildId} is the field {@code build_id} (Jackson's
 * {@code SNAKE_CASE}); fields come in the order of the record's components; a {@code null}
 * component is written as {@code null} unless the component says {@code @JsonInclude(NON_NULL)}
 * (a field that is left out when it does not apply). Map keys are written as they are. The
 * document is pretty-printed like every other JSON of the CLI and ends with a newline.
 */
public final class JsonViews {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            .build();

    private JsonViews() {}

    /** Writes {@code view} as one JSON document on {@code out}, then a newline, and flushes. */
    public static void write(PrintWriter out, Object view) {
        try (JsonGenerator json = ScheduleJson.generator(out)) {
            MAPPER.writeValue(json, view);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println();
        out.flush();
    }
}
