package dev.lfsfarm.common.metrics;

/**
 * What {@code /healthz} answers: HTTP 200 when {@code ok}, 503 otherwise, with {@code message}
 * (one line, for a person or a probe's log) as the body.
 */
public record Health(boolean ok, String message) {

    public static Health ok(String message) {
        return new Health(true, message);
    }

    public static Health unavailable(String message) {
        return new Health(false, message);
    }
}
