package dev.lfsfarm.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lfsfarm.cli.remote.JsonViews;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.PackageStatus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class SbuTableTest {

    @Test
    void showsMeasuredSbuAndMarksEstimatesWithTheirSource() {
        SbuTable table = SbuTable.of(SampleBuild.build(), SbuTable.Order.BUILD);

        assertThat(table.rows()).extracting(SbuTable.Row::id).containsExactly("a", "b", "c", "d", "e", "f", "g", "h");
        assertThat(table.rows())
                .extracting(r -> r.sbu().text())
                .containsExactly("2.5", "~0.3 (learned)", "5.0", "-", "1.8", "-", "~0.5 (book)", "-");
        assertThat(table.measuredSbu()).isCloseTo(2.5 + 5 + 1.75, within(1e-9));
        assertThat(table.estimatedSbu()).isCloseTo(0.3 + 0.5, within(1e-9));
        assertThat(table.sbuTotalText()).isEqualTo("9.3 + ~0.8 estimated");
        assertThat(table.rows())
                .extracting(r -> DiskSize.human(r.diskBytes()))
                .containsExactly("12 MB", "868 KB", "1.1 GB", "-", "4.4 MB", "-", "-", "-");
        assertThat(table.rows().get(4).wallSeconds())
                .as("cached e: what its original build took")
                .isEqualTo(7);
        assertThat(table.rows().get(3).wallSeconds())
                .as("d has no measurements: its wall_seconds")
                .isEqualTo(2.9);
    }

    @Test
    void buildOrderPutsDependenciesFirstAndKeepsTheListOrderAmongFreePackages() {
        Build b = Build.newBuilder()
                .addPackages(PackageStatus.newBuilder()
                        .setPackageId("demo-suite")
                        .addDependsOn("libkv")
                        .addDependsOn("hello"))
                .addPackages(PackageStatus.newBuilder().setPackageId("hello").addDependsOn("libstr"))
                .addPackages(PackageStatus.newBuilder().setPackageId("libkv").addDependsOn("libstr"))
                .addPackages(PackageStatus.newBuilder().setPackageId("libhash"))
                .addPackages(PackageStatus.newBuilder().setPackageId("libstr"))
                .build();

        assertThat(BuildOrder.of(b.getPackagesList()))
                .extracting(PackageStatus::getPackageId)
                .containsExactly("libhash", "libstr", "hello", "libkv", "demo-suite");
    }

    @Test
    void sortsBySbuTimeOrDiskLargestFirst() {
        Build b = SampleBuild.build();
        assertThat(SbuTable.of(b, SbuTable.Order.SBU).rows())
                .extracting(SbuTable.Row::id)
                .startsWith("c", "a", "e", "g", "b");
        assertThat(SbuTable.of(b, SbuTable.Order.TIME).rows())
                .extracting(SbuTable.Row::id)
                .containsExactly("c", "a", "f", "h", "e", "b", "d", "g");
        assertThat(SbuTable.of(b, SbuTable.Order.DISK).rows())
                .extracting(SbuTable.Row::id)
                .startsWith("c", "a", "e", "b");
    }

    @Test
    void diskSizesReadLikeTheBook() {
        assertThat(List.of(
                        0L,
                        512L,
                        868L << 10,
                        1023L << 10,
                        1L << 20,
                        4_613_734L,
                        12L << 20,
                        1023L << 20,
                        (long) (1.1 * (1L << 30)),
                        250L << 30))
                .extracting(DiskSize::human)
                .containsExactly(
                        "-", "0.5 KB", "868 KB", "1023 KB", "1.0 MB", "4.4 MB", "12 MB", "1023 MB", "1.1 GB", "250 GB");
    }

    @Test
    void textAndJsonCarryTheSameFiguresAndTotals() throws Exception {
        SbuTable table = SbuTable.of(SampleBuild.build(), SbuTable.Order.BUILD);
        StringWriter text = new StringWriter();
        SbuReportCommand.text(new PrintWriter(text), table);
        assertThat(text.toString())
                .contains("Build b-7: FAILED (mini, profile default)")
                .containsPattern("(?m)^b +1\\.0 +~0\\.3 \\(learned\\) +868 KB +3\\.9 s *$")
                .containsPattern("(?m)^e +1\\.0 +1\\.8 +4\\.4 MB +7\\.0 s +cached$")
                .containsPattern("(?m)^TOTAL \\(8 packages\\) +9\\.3 \\+ ~0\\.8 estimated +1\\.1 GB +59\\.7 s$")
                .contains("~ estimate, not measured");

        StringWriter json = new StringWriter();
        JsonViews.write(new PrintWriter(json), SbuReportView.of(table));
        JsonNode doc = new ObjectMapper().readTree(json.toString());
        assertThat(doc.path("build_id").asText()).isEqualTo("b-7");
        JsonNode b = doc.path("packages").get(1);
        assertThat(b.path("id").asText()).isEqualTo("b");
        assertThat(b.path("sbu").asDouble()).isEqualTo(0.3);
        assertThat(b.path("sbu_estimated").asBoolean()).isTrue();
        assertThat(b.path("estimate_source").asText()).isEqualTo("learned");
        assertThat(b.path("disk_used_bytes").asLong()).isEqualTo(868L << 10);
        assertThat(b.path("disk_used").asText()).isEqualTo("868 KB");
        assertThat(doc.path("packages").get(0).path("estimate_source").isNull())
                .as("a is measured")
                .isTrue();
        assertThat(doc.path("totals").path("packages").asInt()).isEqualTo(8);
        assertThat(doc.path("totals").path("sbu").asDouble()).isCloseTo(9.25, within(1e-9));
        assertThat(doc.path("totals").path("sbu_estimated").asDouble()).isCloseTo(0.8, within(1e-9));
        assertThat(doc.path("totals").path("wall_seconds").asDouble())
                .isCloseTo(9.5 + 3.9 + 19.8 + 2.9 + 7 + 8.7 + 7.9, within(1e-9));
    }
}
