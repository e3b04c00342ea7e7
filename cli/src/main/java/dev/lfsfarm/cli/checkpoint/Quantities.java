package dev.lfsfarm.cli.checkpoint;

import java.util.Locale;

/** Sizes and ages as the checkpoint commands print them for people. */
final class Quantities {
    private Quantities() {}

    /** Bytes for people: 512 B, 3.4 KiB, 1.2 MiB, 5.0 GiB. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** Seconds in the largest whole unit: 90s, 30m, 1h, 2d. */
    static String age(long seconds) {
        if (seconds % 86400 == 0 && seconds > 0) {
            return seconds / 86400 + "d";
        } else if (seconds % 3600 == 0 && seconds > 0) {
            return seconds / 3600 + "h";
        } else if (seconds % 60 == 0 && seconds > 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }
}
