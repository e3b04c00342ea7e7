package dev.lfsfarm.cli.remote;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.lfsfarm.common.report.ScheduleJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine.Option;

/** {@code --output text|json} (or {@code --json}) for the read commands: one JSON document on stdout, or text for people. */
public final class Output {
    /** Output formats. */
    public enum Format {
        TEXT,
        JSON
    }

    @Option(
            names = {"-o", "--output"},
            paramLabel = "FORMAT",
            defaultValue = "text",
            description = "text or json (default: ${DEFAULT-VALUE}). JSON is one document on stdout.")
    Format format;

    @Option(names = "--json", description = "Print JSON (the same as -o json).")
    boolean jsonFlag;

    public boolean json() {
        return jsonFlag || format == Format.JSON;
    }

    /** Writes one JSON document with {@code body} and a trailing newline. */
    public static void json(PrintWriter out, JsonBody body) {
        try (JsonGenerator json = ScheduleJson.generator(out)) {
            body.write(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println();
        out.flush();
    }

    /** Writes the fields of a JSON document. */
    @FunctionalInterface
    public interface JsonBody {
        void write(JsonGenerator json) throws IOException;
    }
}
