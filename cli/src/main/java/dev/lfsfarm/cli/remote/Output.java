package dev.lfsfarm.cli.remote;

import picocli.CommandLine.Option;

/**
 * {@code --output text|json} (or {@code --json}) for the read commands: one JSON document on stdout
 * (written by {@link JsonViews}), or text for people.
 */
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
}
