package dev.lfsfarm.cli.plan;

/** How a read command prints its result: for people, or one JSON document for scripts. */
public enum OutputFormat {
    TEXT,
    JSON
}
