package dev.lfsfarm.cli.report;

import dev.lfsfarm.proto.v1.EstimateSource;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.util.Locale;

/**
 * A package's build time in SBU as the reports show it: measured when the worker was calibrated
 * (Measurements.sbu), else the coordinator's estimate, marked as such, else nothing.
 *
 * @param value SBU, 0 when neither is known
 * @param estimated whether {@code value} is the estimate
 * @param source where the estimate comes from (UNSPECIFIED for a measurement)
 */
public record SbuFigure(double value, boolean estimated, EstimateSource source) {

    public static SbuFigure of(PackageStatus p) {
        double measured = p.getMeasurements().getSbu();
        if (measured > 0) {
            return new SbuFigure(measured, false, EstimateSource.ESTIMATE_SOURCE_UNSPECIFIED);
        }
        if (p.getSbuEstimate() > 0) {
            return new SbuFigure(p.getSbuEstimate(), true, p.getEstimateSource());
        }
        return new SbuFigure(0, false, EstimateSource.ESTIMATE_SOURCE_UNSPECIFIED);
    }

    /** "1.2", "~0.3 (book)" for an estimate, "-" when unknown. */
    public String text() {
        if (value <= 0) {
            return "-";
        }
        return estimated ? "~" + format(value) + " (" + source(source) + ")" : format(value);
    }

    /** The estimate's source in words ("book", "learned"), or "estimate" when unspecified; null for a measurement. */
    public String sourceName() {
        return estimated ? source(source) : null;
    }

    static String source(EstimateSource source) {
        return switch (source) {
            case ESTIMATE_SOURCE_BOOK -> "book";
            case ESTIMATE_SOURCE_LEARNED -> "learned";
            default -> "estimate";
        };
    }

    /** Like the book: whole SBU from 10 on, one decimal from 0.1, two below; "<0.01" for less. */
    static String format(double sbu) {
        if (sbu >= 10) {
            return String.format(Locale.ROOT, "%.0f", sbu);
        }
        if (sbu >= 0.1) {
            return String.format(Locale.ROOT, "%.1f", sbu);
        }
        return sbu >= 0.01 ? String.format(Locale.ROOT, "%.2f", sbu) : "<0.01";
    }
}
