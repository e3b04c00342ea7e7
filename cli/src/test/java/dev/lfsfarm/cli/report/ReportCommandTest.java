package dev.lfsfarm.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.cli.CliRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flags checked before the coordinator is asked; the remote answers are covered by BuildReportIT. */
class ReportCommandTest {
    @TempDir
    Path dir;

    @Test
    void helpHasExamples() {
        for (String command : new String[] {"report", "sbu-report"}) {
            CliRun run = CliRun.of(command, "--help");
            assertThat(run.exitCode()).isZero();
            assertThat(run.out())
                    .contains("Examples:", "farm " + command + " 20261121-101500-3f2a", "--coordinator", "--zk");
        }
    }

    @Test
    void anHtmlFileInAMissingFolderIsBadInputNamingTheFlag() {
        Path file = dir.resolve("no-such-folder/build.html");
        CliRun run = CliRun.of("report", "b-1", "--html", file.toString(), "--coordinator", "127.0.0.1:1");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.err().strip())
                .isEqualTo("farm: error: --html " + file + ": the folder " + file.getParent() + " does not exist");
    }

    @Test
    void anHtmlPathThatIsAFolderIsBadInput() {
        CliRun run = CliRun.of("report", "b-1", "--html", dir.toString(), "--coordinator", "127.0.0.1:1");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--html " + dir + " is a folder").doesNotContain("Exception");
    }

    @Test
    void topMustBePositiveAndSortMustBeKnown() {
        CliRun top = CliRun.of("report", "b-1", "--top", "0", "--coordinator", "127.0.0.1:1");
        assertThat(top.exitCode()).isEqualTo(2);
        assertThat(top.err()).contains("--top must be at least 1, not 0");

        CliRun sort = CliRun.of("sbu-report", "b-1", "--sort", "size", "--coordinator", "127.0.0.1:1");
        assertThat(sort.exitCode()).isEqualTo(2);
        assertThat(sort.err()).contains("--sort", "size", "BUILD, SBU, TIME, DISK");
    }

    @Test
    void aBuildIdIsRequired() {
        CliRun run = CliRun.of("sbu-report");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Missing required parameter: 'BUILD'");
    }
}
