package dev.lfsfarm.common.report;

import java.math.BigDecimal;

/** Formats whole microseconds as seconds without rounding error: {@code 74700000 -> "74.7"}. */
public final class Seconds {
    private Seconds() {}

    public static String of(long micros) {
        return BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString();
    }

    /** Human form for text output: {@code 74.7 s}, {@code 1 h 02 min}, ... */
    public static String human(long micros) {
        double seconds = micros / 1e6;
        if (micros == 0) {
            return "0 s";
        }
        if (seconds < 0.1) {
            return String.format(java.util.Locale.ROOT, "%.0f ms", micros / 1e3);
        }
        if (seconds < 120) {
            return String.format(java.util.Locale.ROOT, "%.1f s", seconds);
        }
        long s = Math.round(seconds);
        if (s < 3600) {
            return String.format(java.util.Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(java.util.Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }
}
