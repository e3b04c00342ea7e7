package dev.lfsfarm.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lfsfarm.cli.report.HeadlessChromium;
import dev.lfsfarm.common.testing.BookFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code farm report --html} and {@code farm sbu-report} on a real build (a coordinator and two
 * worker JVMs): a chain root → mid → leaf that takes longest, short independent packages, and one
 * that fails with markup in its log. The page is loaded in headless Chromium.
 */
class BuildReportIT {
    static final List<String> RAN = List.of("root", "mid", "leaf", "side-a", "side-b", "bad");

    @TempDir
    Path dir;

    Farm farm;

    @BeforeEach
    void startFarm(TestInfo test) {
        farm = new Farm(
                dir.resolve("farm"),
                getClass().getSimpleName() + "."
                        + test.getTestMethod().orElseThrow().getName());
        farm.startCoordinator().startWorkers("w1", "w2");
    }

    @AfterEach
    void stopFarm() {
        farm.close();
    }

    static String recipe(String depends, double sbu, String build) {
        return "version: \"1.0\"\nsbu: " + sbu + "\n"
                + (depends.isEmpty() ? "" : "depends: {required: [" + depends + "]}\n")
                + "phases:\n  build: |\n" + build.indent(4)
                + "  install: mkdir -p \"$DESTDIR/usr/share\" && date > \"$DESTDIR/usr/share/built\"\n";
    }

    static Path book(Path root) {
        return new BookFixture(root)
                .book("name: report-test\n")
                .recipe("root", recipe("", 2.0, "sleep 2"))
                .recipe("mid", recipe("root", 1.5, "sleep 1.5"))
                .recipe("leaf", recipe("mid", 1.0, "sleep 1"))
                .recipe("side-a", recipe("", 0.1, "sleep 0.2"))
                .recipe("side-b", recipe("", 0.1, "sleep 0.2"))
                .recipe("bad", recipe("", 0.1, "echo '<b>bold & \"quoted\"</b>' >&2\nexit 3"))
                .recipe("after-bad", recipe("bad", 0.1, "true"))
                .root();
    }

    @Test
    void reportsARealBuildAsAPageThatRendersAndAsTheSbuTable() throws Exception {
        CliResult submit = farm.cli("submit", book(dir.resolve("book")).toString(), "--follow", "-o", "json");
        assertThat(submit.exitCode())
                .as("a build with a failed package exits 1\n%s", submit)
                .isEqualTo(1);
        BuildView build = new BuildView(submit.json());
        assertThat(build.states())
                .as("%s", build)
                .containsEntry("bad", "FAILED")
                .containsEntry("after-bad", "SKIPPED")
                .containsEntry("leaf", "SUCCEEDED");

        // The HTML report, written by its own JVM.
        Path html = dir.resolve("report.html");
        CliResult report = farm.cli("report", build.id(), "--html", html.toString());
        assertThat(report.exitCode()).as("%s", report).isZero();
        assertThat(report.out())
                .as("%s", report)
                .contains("Build " + build.id() + ": FAILED (report-test")
                .contains("critical path  root → mid → leaf");
        assertThat(report.err()).contains("wrote the report of build " + build.id() + " to " + html);
        String page = Files.readString(html);
        assertThat(page)
                .contains("&lt;b&gt;bold &amp; &quot;quoted&quot;&lt;/b&gt;")
                .doesNotContain("<b>bold");

        Path scratch = Files.createDirectories(dir.resolve("browser"));
        HeadlessChromium.Page rendered = HeadlessChromium.load(html, scratch);
        assertThat(rendered.uncaught()).as("browser log:%n%s", rendered.log()).isEmpty();
        assertThat(rendered.scriptErrors()).isEmpty();
        assertThat(rendered.rendered()).as("the page's own check of its chart").isEqualTo("ok");
        assertThat(rendered.count("<rect class=\"bar "))
                .as("a bar per package that ran: %s", RAN)
                .isEqualTo(RAN.size());
        assertThat(rendered.count("<rect class=\"bar [^\"]*critical\""))
                .as("root, mid, leaf")
                .isEqualTo(3);
        for (String id : RAN) {
            assertThat(rendered.dom()).contains("data-package=\"" + id + "\"");
        }
        assertThat(HeadlessChromium.colours(HeadlessChromium.screenshot(html, scratch, 1200, 900)))
                .as("a drawn page, not a blank one")
                .isGreaterThan(20);

        // The SBU table: book order, every package, the same figures in JSON and text.
        CliResult json = farm.cli("sbu-report", build.id(), "--json");
        assertThat(json.exitCode()).as("%s", json).isZero();
        List<String> order = new ArrayList<>();
        json.json().path("packages").forEach(p -> order.add(p.path("id").asText()));
        assertThat(order).containsExactlyInAnyOrder("root", "mid", "leaf", "side-a", "side-b", "bad", "after-bad");
        assertThat(order).containsSubsequence("root", "mid", "leaf").containsSubsequence("bad", "after-bad");
        JsonNode root = json.json().path("packages").get(order.indexOf("root"));
        assertThat(root.path("wall_seconds").asDouble()).as("%s", root).isGreaterThanOrEqualTo(2.0);
        if (root.path("sbu_estimated").asBoolean()) {
            assertThat(root.path("sbu").asDouble())
                    .as("uncalibrated worker: the estimate, %s", root)
                    .isPositive();
            assertThat(root.path("estimate_source").asText()).as("%s", root).isIn("book", "learned", "estimate");
        } else {
            assertThat(root.path("sbu").asDouble()).as("measured, %s", root).isPositive();
        }
        assertThat(json.json().path("totals").path("packages").asInt()).isEqualTo(7);
        CliResult text = farm.cli("sbu-report", build.id());
        assertThat(text.exitCode()).as("%s", text).isZero();
        assertThat(text.out())
                .as("%s", text)
                .containsPattern("(?m)^root +1\\.0 ")
                .contains("TOTAL (7 packages)");

        // An unknown build is bad input for both commands.
        for (String command : List.of("report", "sbu-report")) {
            CliResult unknown = farm.cli(command, "no-such-build");
            assertThat(unknown.exitCode()).as("%s", unknown).isEqualTo(2);
            assertThat(unknown.err())
                    .as("%s", unknown)
                    .contains("no-such-build")
                    .doesNotContain("Exception");
        }
    }
}
