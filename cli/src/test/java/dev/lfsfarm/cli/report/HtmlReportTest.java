package dev.lfsfarm.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
    private static final String PAGE =
            HtmlReport.render(new BuildReport(SampleBuild.build(), SampleBuild.T0.plusSeconds(60), 3));

    static int count(String regex) {
        Matcher m = Pattern.compile(regex).matcher(PAGE);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void drawsABarPerRunAndOutlinesTheCriticalPath() {
        assertThat(PAGE).contains("data-bars=\"6\"", "data-critical=\"3\"");
        assertThat(count("<rect class=\"bar ")).isEqualTo(6);
        assertThat(count("<rect class=\"bar state-[a-z]+ critical\"")).isEqualTo(3);
        assertThat(count("<path class=\"critical-link\"")).as("a→c, c→f").isEqualTo(2);
        assertThat(PAGE).contains("<rect class=\"bar state-failed critical\"", "Critical path (3 packages): a → c → f");
        assertThat(count("<rect class=\"band\"")).isEqualTo(2);
        assertThat(PAGE)
                .contains(">w1<tspan class=\"slots\"> 2 slots</tspan>", ">w2<tspan class=\"slots\"> 1 slot</tspan>");
    }

    @Test
    void hoverDetailsNameVersionWorkerTimesWallAndSbu() {
        assertThat(PAGE)
                .contains(
                        "<g class=\"run\" data-package=\"b\" data-version=\"1.0\" data-worker=\"w1\" "
                                + "data-state=\"succeeded\" data-start=\"10:00:02.0 UTC\" data-end=\"10:00:06.0 UTC\" data-wall=\"3.9 s\" "
                                + "data-sbu=\"~0.3 (learned)\" data-estimate=\"0.30 (learned)\"><title>b 1.0 on w1, succeeded\n"
                                + "10:00:02.0 UTC → 10:00:06.0 UTC (4.0 s)\nwall 3.9 s, SBU ~0.3 (learned), estimate 0.30 (learned)</title>");
    }

    @Test
    void summaryHasTheFiguresOfTheBuild() {
        assertThat(PAGE)
                .contains(
                        "<dt>wall time</dt><dd>41.5 s (build started → finished)</dd>",
                        "<dt>makespan</dt><dd>40.0 s (start → last package finished)</dd>",
                        "<dt>lower bound</dt><dd>39.0 s = max(critical path 39.0 s, busy 54.0 s / 3 slots = 18.0 s); makespan is 1.03× the bound</dd>",
                        "<dt>cache hits</dt><dd>1</dd>",
                        "<dt>retries</dt><dd>1 package needed more than one attempt: h ×2</dd>",
                        "<dt>regressions</dt><dd>1</dd>",
                        "<dt>targets</dt><dd>g, h</dd>");
        assertThat(PAGE)
                .contains("<tr><td>w1</td><td class=\"num\">2</td><td class=\"num\">4</td><td class=\"num\">25.0 s</td>"
                        + "<td class=\"num\">31%</td></tr>");
        assertThat(PAGE)
                .contains("<tr><td>h</td><td>w1</td><td class=\"num\">7.9 s</td><td class=\"num\">3.4 s</td>"
                        + "<td class=\"num\">2.30×</td><td class=\"num\">1.50×</td><td class=\"num\">5</td></tr>");
        assertThat(count("<table class=\"slowest\">")).isEqualTo(1);
        String slowest = PAGE.substring(PAGE.indexOf("<table class=\"slowest\">"));
        slowest = slowest.substring(0, slowest.indexOf("</table>"));
        assertThat(slowest)
                .as("--top 3: c, a, f")
                .containsSubsequence("<td>c</td>", "<td>a</td>", "<td>f</td>")
                .doesNotContain("<td>h</td>");
    }

    @Test
    void escapesTheLogTailAndEveryName() {
        assertThat(PAGE)
                .contains("<pre class=\"log\">checking &lt;stdio.h&gt;... no\nerror: &quot;x&quot; &amp; &#39;y&#39; "
                        + "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;\n</pre>");
        assertThat(PAGE).doesNotContain("alert(1)</script>", "<stdio.h>");
        String hostile = HtmlReport.render(new BuildReport(
                SampleBuild.build().toBuilder()
                        .setBookName("<img src=x>")
                        .setPackages(
                                0,
                                SampleBuild.build().getPackages(0).toBuilder().setPackageId("a\"><b>"))
                        .build(),
                SampleBuild.T0,
                3));
        assertThat(hostile)
                .doesNotContain("<img src=x>", "a\"><b>")
                .contains("&lt;img src=x&gt;", "a&quot;&gt;&lt;b&gt;");
    }

    @Test
    void isSelfContained() {
        assertThat(PAGE)
                .doesNotContain("<link", "src=", "href=", "@import", "url(", "https://")
                .contains("<style>", "<script>", "<svg id=\"gantt\"");
        assertThat(PAGE.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).doesNotContain("http://");
    }
}
