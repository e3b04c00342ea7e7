package dev.lfsfarm.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report as a browser shows it: headless Chromium runs the page, its script checks the chart. */
class HtmlReportBrowserTest {
    @TempDir
    Path dir;

    static String page() {
        return HtmlReport.render(new BuildReport(SampleBuild.build(), SampleBuild.T0.plusSeconds(60), 10));
    }

    @Test
    void theChartRendersWithEveryBarAndTheCriticalPathAndNoScriptError() throws Exception {
        Path html = Files.writeString(dir.resolve("report.html"), page());

        HeadlessChromium.Page page = HeadlessChromium.load(html, dir);

        assertThat(page.uncaught()).as("browser log:%n%s", page.log()).isEmpty();
        assertThat(page.scriptErrors()).isEmpty();
        assertThat(page.rendered()).as("the page's own check").isEqualTo("ok");
        assertThat(page.count("<rect class=\"bar ")).isEqualTo(6);
        assertThat(page.count("<rect class=\"bar [^\"]*critical\"")).isEqualTo(3);
        assertThat(page.count("<path class=\"critical-link\"")).isEqualTo(2);

        BufferedImage shot = HeadlessChromium.screenshot(html, dir, 1200, 900);
        assertThat(shot.getWidth()).isEqualTo(1200);
        assertThat(HeadlessChromium.colours(shot))
                .as("a drawn page, not a blank one")
                .isGreaterThan(20);
    }

    @Test
    void aBrokenChartOrScriptIsCaught() throws Exception {
        // The same page with one bar lost and a script error: the page's check must say so.
        String broken = page().replaceFirst("<rect class=\"bar [^>]*/>", "")
                .replace("</body>", "<script>undefinedFunction();</script></body>");
        Path html = Files.writeString(dir.resolve("broken.html"), broken);

        HeadlessChromium.Page page = HeadlessChromium.load(html, dir);

        assertThat(page.rendered()).isNull();
        assertThat(page.scriptErrors()).contains("5 bars drawn, 6 expected", "undefinedFunction");
        assertThat(page.uncaught()).as("browser log:%n%s", page.log()).isNotEmpty();
    }
}
