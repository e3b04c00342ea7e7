package dev.lfsfarm.cli.report;

import java.util.Locale;

/** Disk sizes as the LFS book writes them: "868 KB", "4.4 MB", "12 MB", "1.1 GB" (units of 1024, like du). */
public final class DiskSize {
    private static final String[] UNITS = {"KB", "MB", "GB", "TB"};

    private DiskSize() {}

    /** "-" for 0 (not measured). */
    public static String human(long bytes) {
        if (bytes <= 0) {
            return "-";
        }
        double value = bytes / 1024.0;
        int unit = 0;
        // Move up once the rounded figure would reach 1024 of this unit.
        while (unit < UNITS.length - 1 && Math.round(value) >= 1024) {
            value /= 1024;
            unit++;
        }
        return (value < 9.95 ? String.format(Locale.ROOT, "%.1f", value) : String.format(Locale.ROOT, "%.0f", value))
                + " " + UNITS[unit];
    }
}
