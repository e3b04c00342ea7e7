package dev.lfsfarm.cli.report;

import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The LFS book's table for one build: per package its SBU, the disk its build used and its wall
 * time, with totals. For a CACHED package these are what its original build cost (the action
 * cache keeps the measurements).
 */
public final class SbuTable {
    /** Row orders; numbers descending. */
    public enum Order {
        BUILD,
        SBU,
        TIME,
        DISK
    }

    /** One package. {@code wallSeconds} is the attempt's total wall time (fetch to upload). */
    public record Row(String id, String version, String state, SbuFigure sbu, long diskBytes, double wallSeconds) {}

    private final Build build;
    private final List<Row> rows;

    private SbuTable(Build build, List<Row> rows) {
        this.build = build;
        this.rows = List.copyOf(rows);
    }

    public static SbuTable of(Build build, Order order) {
        List<Row> rows = new ArrayList<>();
        for (PackageStatus p : BuildOrder.of(build.getPackagesList())) {
            double wall = p.hasMeasurements() ? p.getMeasurements().getTotal().getWallSeconds() : p.getWallSeconds();
            rows.add(new Row(
                    p.getPackageId(),
                    p.getVersion(),
                    p.getState().name().replace("PACKAGE_STATE_", ""),
                    SbuFigure.of(p),
                    p.getMeasurements().getDiskUsedBytes(),
                    wall));
        }
        Comparator<Row> by = switch (order) {
            case BUILD -> null; // BuildOrder's order
            case SBU -> Comparator.comparingDouble((Row r) -> r.sbu().value()).reversed();
            case TIME -> Comparator.comparingDouble(Row::wallSeconds).reversed();
            case DISK -> Comparator.comparingLong(Row::diskBytes).reversed();
        };
        if (by != null) {
            rows.sort(by); // stable: ties keep build order
        }
        return new SbuTable(build, rows);
    }

    public Build build() {
        return build;
    }

    public List<Row> rows() {
        return rows;
    }

    /** Measured SBU, summed. */
    public double measuredSbu() {
        return rows.stream()
                .filter(r -> !r.sbu().estimated())
                .mapToDouble(r -> r.sbu().value())
                .sum();
    }

    /** Estimated SBU of the packages without a measurement, summed. */
    public double estimatedSbu() {
        return rows.stream()
                .filter(r -> r.sbu().estimated())
                .mapToDouble(r -> r.sbu().value())
                .sum();
    }

    public long diskBytes() {
        return rows.stream().mapToLong(Row::diskBytes).sum();
    }

    public double wallSeconds() {
        return rows.stream().mapToDouble(Row::wallSeconds).sum();
    }

    /** The total SBU column: "12", "12 + ~2.0 estimated" when some packages have only an estimate, "-" for none. */
    public String sbuTotalText() {
        String estimated = "~" + SbuFigure.format(estimatedSbu()) + " estimated";
        if (measuredSbu() <= 0) {
            return estimatedSbu() > 0 ? estimated : "-";
        }
        return SbuFigure.format(measuredSbu()) + (estimatedSbu() > 0 ? " + " + estimated : "");
    }

    /** The note column: the state when it is not plain SUCCEEDED. */
    static String note(Row r) {
        return r.state().equals("SUCCEEDED") ? "" : r.state().toLowerCase(Locale.ROOT);
    }
}
