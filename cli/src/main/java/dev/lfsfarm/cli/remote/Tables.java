package dev.lfsfarm.cli.remote;

import java.math.BigDecimal;
import java.util.Locale;

/** Number formats shared by the history and calibration tables. */
final class Tables {
    private Tables() {}

    /** A number as written in a recipe: "1", "0.25", "2.5" (no trailing zeros). */
    static String number(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    /** Seconds with one decimal: "31.2 s". */
    static String seconds(double value) {
        return String.format(Locale.ROOT, "%.1f s", value);
    }

    /** Bytes in binary units, three significant figures at most: "812 KiB", "1.21 GiB"; "-" for 0 (not measured). */
    static String bytes(long bytes) {
        if (bytes <= 0) {
            return "-";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        String format = unit == 0 || value >= 100 ? "%.0f %s" : value >= 10 ? "%.1f %s" : "%.2f %s";
        return String.format(Locale.ROOT, format, value, units[unit]);
    }
}
