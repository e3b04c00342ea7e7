package dev.lfsfarm.cli.report;

import java.util.List;

/**
 * The stable JSON of {@code farm sbu-report} (docs/reference/cli.md): the build, one row per
 * package in the table's order, and the totals. {@code estimate_source} is null for a measured SBU.
 */
record SbuReportView(String buildId, String state, String book, List<Row> packages, Totals totals) {

    /** One package's row. */
    record Row(
            String id,
            String version,
            String state,
            double sbu,
            boolean sbuEstimated,
            String estimateSource,
            long diskUsedBytes,
            String diskUsed,
            double wallSeconds) {}

    /** The sums over every row: measured SBU and estimated SBU apart. */
    record Totals(
            int packages, double sbu, double sbuEstimated, long diskUsedBytes, String diskUsed, double wallSeconds) {}

    static SbuReportView of(SbuTable table) {
        var b = table.build();
        return new SbuReportView(
                b.getBuildId(),
                b.getState().name().replace("BUILD_STATE_", ""),
                b.getBookName(),
                table.rows().stream()
                        .map(r -> new Row(
                                r.id(),
                                r.version(),
                                r.state(),
                                r.sbu().value(),
                                r.sbu().estimated(),
                                r.sbu().sourceName(),
                                r.diskBytes(),
                                DiskSize.human(r.diskBytes()),
                                r.wallSeconds()))
                        .toList(),
                new Totals(
                        table.rows().size(),
                        table.measuredSbu(),
                        table.estimatedSbu(),
                        table.diskBytes(),
                        DiskSize.human(table.diskBytes()),
                        table.wallSeconds()));
    }
}
