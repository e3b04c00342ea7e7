package dev.lfsfarm.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lfsfarm.common.testing.BookFixture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code farm calibrate} and {@code farm history} on a real coordinator and two worker JVMs. The
 * reference is a small C compile (not the shipped 1-SBU book, which takes half a minute per worker):
 * each worker's stored seconds per SBU must be the wall time the coordinator recorded for that
 * worker's reference build divided by the recipe's sbu; every finished attempt of a package shows
 * in its history.
 */
class CalibrateIT {
    private static final double REFERENCE_SBU = 0.05;
    private static final Duration CALIBRATE_TIMEOUT = Duration.ofSeconds(240);

    @TempDir
    Path dir;

    Farm farm;
    Path book;

    @BeforeEach
    void startFarm(TestInfo test) {
        farm = new Farm(
                dir.resolve("farm"),
                getClass().getSimpleName() + "."
                        + test.getTestMethod().orElseThrow().getName());
        farm.startCoordinator().startWorkers("w1", "w2");
        // parallel_jobs 2, yet a calibration build must get exactly one core: the phase checks it.
        book = new BookFixture(dir.resolve("book"))
                .book("name: calibration\nprofiles:\n  default:\n    sbu_reference: mini-ref\n"
                        + "  broken:\n    sbu_reference: broken-ref\n")
                .recipe(
                        "mini-ref",
                        "version: '1.0'\nsbu: " + REFERENCE_SBU + "\nparallel_jobs: 2\nphases:\n"
                                + "  build: |\n"
                                + "    test \"$FARM_JOBS\" = 1 || { echo \"FARM_JOBS=$FARM_JOBS, a calibration needs 1\" >&2; exit 9; }\n"
                                + "    for i in 1 2 3 4; do\n"
                                + "      printf 'int f%d(int x) { int s = 0; for (int i = 0; i < x; i++) s += i * %d; return s; }\\n' $i $i > u$i.c\n"
                                + "      cc -O2 -c u$i.c\n"
                                + "    done\n"
                                + "    printf 'int f1(int);\\nint main(void) { return f1(3) == 3 ? 0 : 1; }\\n' > main.c\n"
                                + "    cc -O2 -o mini main.c u1.o && ./mini\n"
                                + "  install: install -D mini \"$DESTDIR/usr/bin/mini\"\n")
                .recipe(
                        "broken-ref",
                        "version: '1.0'\nsbu: 1\nphases:\n"
                                + "  build: |\n    echo 'compiling the reference'\n    echo 'broken-ref: no compiler today' >&2\n    exit 4\n")
                .recipe(
                        "hello",
                        "version: '2.0'\nsbu: 0.1\nphases:\n"
                                + "  build: printf 'int main(void) { return 0; }\\n' > hello.c && cc -o hello hello.c\n"
                                + "  install: install -D hello \"$DESTDIR/usr/bin/hello\"\n")
                .root();
    }

    @AfterEach
    void stopFarm() {
        farm.close();
    }

    @Test
    void storesEachWorkersWallPerSbuOfItsReferenceBuild() {
        CliResult run = farm.cli(CALIBRATE_TIMEOUT, "calibrate", "--book", book.toString(), "--json");
        assertThat(run.exitCode()).as("%s", run).isZero();
        JsonNode calibrated = run.json();
        assertThat(calibrated.path("reference").path("package").asText()).isEqualTo("mini-ref");
        Map<String, JsonNode> byWorker = new HashMap<>();
        calibrated.path("workers").forEach(w -> byWorker.put(w.path("worker").asText(), w));
        assertThat(byWorker).as("%s", run).containsOnlyKeys("w1", "w2");

        JsonNode history = farm.cli("history", "mini-ref", "--json").json();
        JsonNode speeds = farm.poll("workers", "-o", "json").json();
        for (String worker : List.of("w1", "w2")) {
            JsonNode result = byWorker.get(worker);
            assertThat(result.path("state").asText()).as("%s", result).isEqualTo("SUCCEEDED");
            String buildId = result.path("build_id").asText();
            // The build ran on the worker it calibrated, and only there.
            JsonNode pkg = new BuildView(farm.status(buildId)).pkg("mini-ref");
            assertThat(pkg.path("worker").asText()).isEqualTo(worker);
            assertThat(pkg.path("cache_hit").asBoolean()).isFalse();

            JsonNode attempt = attemptOf(history, buildId);
            double wall = attempt.path("wall_seconds").asDouble();
            assertThat(wall).as("%s", attempt).isPositive();
            assertThat(attempt.path("worker").asText()).isEqualTo(worker);
            assertThat(attempt.path("cores").asInt())
                    .as("a calibration runs on one core")
                    .isEqualTo(1);

            double stored = speedOf(speeds, worker);
            assertThat(stored)
                    .as("seconds per SBU of %s = wall %s s / sbu %s", worker, wall, REFERENCE_SBU)
                    .isCloseTo(wall / REFERENCE_SBU, within(1e-6 * wall / REFERENCE_SBU));
            assertThat(result.path("seconds_per_sbu").asDouble()).isCloseTo(stored, within(0.001));
            assertThat(result.path("wall_seconds").asDouble())
                    .as("the CLI's wall is the coordinator's")
                    .isCloseTo(wall, within(0.002));
        }
        assertThat(speeds.path("workers").findValuesAsText("speed_source")).containsOnly("calibrated");

        // A second calibration reports the first as the previous value.
        CliResult again = farm.cli(CALIBRATE_TIMEOUT, "calibrate", "--book", book.toString(), "--worker", "w2");
        assertThat(again.exitCode()).as("%s", again).isZero();
        assertThat(again.out())
                .containsPattern("(?m)^w2 +[0-9.]+ s +[0-9.]+ s \\(calibrated\\) +[0-9.]+ s +\\S+$")
                .contains("Reference: mini-ref 1.0, 0.05 SBU on one core");
    }

    @Test
    void aFailedReferenceBuildIsReportedWithItsLogAndExits1() {
        CliResult run = farm.cli(
                CALIBRATE_TIMEOUT, "calibrate", "--book", book.toString(), "--profile", "broken", "--worker", "w1");
        assertThat(run.exitCode()).as("%s", run).isEqualTo(1);
        assertThat(run.err())
                .contains("farm: error: calibration of w1 failed (build ")
                .contains("build: ")
                .contains("  | broken-ref: no compiler today");
        assertThat(run.out())
                .as("an uncalibrated worker runs at the coordinator's default")
                .containsPattern("(?m)^w1 +FAILED +60\\.0 s \\(default\\) +- +\\S+$");
        JsonNode speeds = farm.poll("workers", "-o", "json").json();
        assertThat(speeds.path("workers").findValuesAsText("speed_source")).doesNotContain("calibrated");
    }

    @Test
    void historyListsEveryRecordedAttemptOfABuiltPackage() {
        String first = submitted(farm.cli("submit", book.toString(), "hello", "--follow", "-o", "json"));
        String second = submitted(farm.cli("submit", book.toString(), "hello", "--no-cache", "--follow", "-o", "json"));

        CliResult text = farm.cli("history", "hello");
        assertThat(text.exitCode()).as("%s", text).isZero();
        assertThat(text.out())
                .startsWith("History of hello: 2 attempts\n")
                .containsPattern("(?m)^\\S+ \\S+  " + first + " +w[12] +1  SUCCEEDED ")
                .containsPattern("(?m)^\\S+ \\S+  " + second + " +w[12] +1  SUCCEEDED ")
                .contains("Learned estimate: ")
                .contains("(median of 2 successful attempts)");

        JsonNode json = farm.cli("history", "hello", "--limit", "1", "--json").json();
        assertThat(json.path("attempts")).hasSize(1);
        assertThat(json.path("attempts").get(0).path("build_id").asText())
                .as("the most recent")
                .isEqualTo(second);
        assertThat(json.path("attempts").get(0).path("version").asText()).isEqualTo("2.0");

        CliResult unknown = farm.cli("history", "nosuch");
        assertThat(unknown.exitCode()).as("%s", unknown).isEqualTo(2);
        assertThat(unknown.err()).contains("no recorded attempts of package 'nosuch'");
    }

    private static String submitted(CliResult run) {
        assertThat(run.exitCode()).as("%s", run).isZero();
        return run.json().path("build_id").asText();
    }

    private static JsonNode attemptOf(JsonNode history, String buildId) {
        for (JsonNode a : history.path("attempts")) {
            if (a.path("build_id").asText().equals(buildId)) {
                return a;
            }
        }
        throw new AssertionError("no attempt of build " + buildId + " in the history: " + history);
    }

    private static double speedOf(JsonNode workers, String worker) {
        for (JsonNode w : workers.path("workers")) {
            if (w.path("name").asText().equals(worker)) {
                assertThat(w.path("speed_source").asText()).as("%s", w).isEqualTo("calibrated");
                return w.path("seconds_per_sbu").asDouble();
            }
        }
        throw new AssertionError("worker " + worker + " not listed: " + workers);
    }
}
