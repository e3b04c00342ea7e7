package dev.lfsfarm.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lfsfarm.common.testing.BookFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A package whose build phase fails: it is FAILED with its exit code and phase, what depends on it
 * is SKIPPED naming it, the independent package still succeeds, and the build is FAILED (exit 1).
 * {@code farm retry} reruns only the failed and skipped packages; a fixed book resubmitted builds
 * only those, the rest comes from the cache.
 */
class FailureIT {
    @TempDir
    Path dir;

    Farm farm;
    Marks marks;

    @BeforeEach
    void startFarm(TestInfo test) {
        farm = new Farm(
                dir.resolve("farm"),
                getClass().getSimpleName() + "."
                        + test.getTestMethod().orElseThrow().getName());
        farm.startCoordinator().startWorkers("w1");
        marks = Marks.in(dir);
    }

    @AfterEach
    void stopFarm() {
        farm.close();
    }

    static String recipe(String depends, String build) {
        return "version: \"1.0\"\n" + (depends.isEmpty() ? "" : "depends: {required: [" + depends + "]}\n")
                + "phases:\n"
                + "  build: |\n" + build.indent(4)
                + "  install: |\n"
                + "    mkdir -p \"$DESTDIR/usr/share/$PKG\" && echo \"$PKG\" > \"$DESTDIR/usr/share/$PKG/id\"\n"
                + "    echo \"$PKG installed\" >> \"$MARKS\"\n"
                + "env: {PKG: PLACEHOLDER}\n";
    }

    static BookFixture book(Path root, Marks marks, String badBuild) {
        BookFixture book = new BookFixture(root).book("name: failing\n" + marks.defaultsEnv());
        Map.of(
                        "bad",
                        recipe("", badBuild),
                        "needs-bad",
                        recipe("bad", "echo \"needs-bad built\" >> \"$MARKS\""),
                        "needs-needs-bad",
                        recipe("needs-bad", "echo \"needs-needs-bad built\" >> \"$MARKS\""),
                        "independent",
                        recipe("", "echo \"independent built\" >> \"$MARKS\""))
                .forEach((id, yaml) -> book.recipe(id, yaml.replace("PLACEHOLDER", id)));
        return book;
    }

    @Test
    void aFailedPackageSkipsItsDependentsOnlyAndRetryRerunsOnlyThose() {
        String failing = """
                echo "bad built" >> "$MARKS"
                echo "bad: about to fail" >&2
                exit 3
                echo "not reached" >> "$MARKS"
                """;
        Path book = book(dir.resolve("book"), marks, failing).root();

        CliResult run = farm.cli("submit", book.toString(), "--follow", "-o", "json");
        assertThat(run.exitCode()).as("a failed build exits 1\n%s", run).isEqualTo(1);
        BuildView failed = new BuildView(run.json());
        assertThat(failed.state()).isEqualTo("FAILED");
        assertThat(failed.states())
                .as("%s", failed)
                .isEqualTo(Map.of(
                        "bad",
                        "FAILED",
                        "needs-bad",
                        "SKIPPED",
                        "needs-needs-bad",
                        "SKIPPED",
                        "independent",
                        "SUCCEEDED"));
        JsonNode bad = failed.pkg("bad");
        assertThat(bad.path("exit_code").asInt()).as("%s", bad).isEqualTo(3);
        assertThat(bad.path("failed_phase").asText()).as("%s", bad).isEqualTo("build");
        assertThat(bad.path("failure").asText()).as("%s", bad).contains("build").contains("3");
        assertThat(bad.path("artifact").isNull())
                .as("a failed package has no artifact")
                .isTrue();
        assertThat(failed.pkg("needs-bad").path("skipped_because").asText()).isEqualTo("bad");
        assertThat(failed.pkg("needs-needs-bad").path("skipped_because").asText())
                .isEqualTo("bad");
        assertThat(failed.pkg("needs-bad").path("attempts").asInt()).isZero();
        assertThat(failed.pkg("independent").path("attempts").asInt()).isEqualTo(1);
        assertThat(failed.json().path("progress").path("failed").asInt()).isEqualTo(1);
        assertThat(failed.json().path("progress").path("skipped").asInt()).isEqualTo(2);
        assertThat(failed.json().path("message").asText()).contains("1 failed", "2 skipped");

        // The failing phase's own output is in its log.
        CliResult log = farm.cli("logs", failed.id(), "bad");
        assertThat(log.exitCode()).as("%s", log).isZero();
        assertThat(log.out()).contains("==> farm: build", "bad: about to fail").doesNotContain("==> farm: install");

        assertThat(marks.lines())
                .as("%s", marks)
                .containsExactlyInAnyOrder("bad built", "independent built", "independent installed");

        // farm retry: the recipes did not change, so bad fails again; independent is not rerun.
        CliResult retry = farm.cli("retry", failed.id());
        assertThat(retry.exitCode()).as("%s", retry).isZero();
        assertThat(retry.out()).as("%s", retry).contains("3 packages requeued");
        BuildView retried = new BuildView(farm.awaitFinished(failed.id(), Duration.ofSeconds(60)));
        assertThat(retried.state()).isEqualTo("FAILED");
        assertThat(retried.states()).as("%s", retried).isEqualTo(failed.states());
        assertThat(retried.pkg("bad").path("attempts").asInt())
                .as("bad ran again")
                .isEqualTo(2);
        assertThat(retried.pkg("bad").path("exit_code").asInt()).isEqualTo(3);
        assertThat(retried.pkg("independent").path("attempts").asInt())
                .as("independent kept")
                .isEqualTo(1);
        assertThat(retried.pkg("independent").path("artifact").asText())
                .isEqualTo(failed.pkg("independent").path("artifact").asText());
        assertThat(retried.pkg("needs-bad").path("skipped_because").asText()).isEqualTo("bad");
        assertThat(marks.count("bad built")).as("%s", marks).isEqualTo(2);
        assertThat(marks.count("independent built")).as("%s", marks).isEqualTo(1);

        // Fix the recipe and submit again: the fixed package and its dependents are built,
        // independent comes from the cache.
        book(book, marks, "echo \"bad built\" >> \"$MARKS\"");
        CliResult fixed = farm.cli("submit", book.toString(), "--follow", "-o", "json");
        assertThat(fixed.exitCode()).as("%s", fixed).isZero();
        BuildView ok = new BuildView(fixed.json());
        assertThat(ok.states())
                .as("%s", ok)
                .isEqualTo(Map.of(
                        "bad",
                        "SUCCEEDED",
                        "needs-bad",
                        "SUCCEEDED",
                        "needs-needs-bad",
                        "SUCCEEDED",
                        "independent",
                        "CACHED"));
        assertThat(marks.count("independent built")).as("%s", marks).isEqualTo(1);
        assertThat(marks.count("needs-needs-bad installed")).as("%s", marks).isEqualTo(1);
    }
}
