package dev.lfsfarm.cli.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** What one {@code farm} command did: its exit code and everything it printed. */
record CliResult(String command, int exitCode, String out, String err) {
    static final ObjectMapper JSON = new ObjectMapper();

    /** stdout as one JSON document; fails with the whole result when it is not JSON. */
    JsonNode json() {
        try {
            return JSON.readTree(out);
        } catch (IOException e) {
            throw new AssertionError("stdout of '" + command + "' is not JSON: " + e.getMessage() + "\n" + this, e);
        }
    }

    @Override
    public String toString() {
        return "$ farm " + command + "\n[exit " + exitCode + "]\n--- stdout ---\n" + tail(out) + "\n--- stderr ---\n"
                + tail(err);
    }

    private static String tail(String s) {
        return s.length() <= 20_000
                ? s
                : "(… " + (s.length() - 20_000) + " chars)\n" + s.substring(s.length() - 20_000);
    }
}
