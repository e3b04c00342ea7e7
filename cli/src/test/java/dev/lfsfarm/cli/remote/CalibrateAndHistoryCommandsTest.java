package dev.lfsfarm.cli.remote;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import dev.lfsfarm.cli.CliRun;
import dev.lfsfarm.common.testing.BookFixture;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptRecord;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.GetHistoryResponse;
import dev.lfsfarm.proto.v1.ListWorkerSpeedsResponse;
import dev.lfsfarm.proto.v1.Measurements;
import dev.lfsfarm.proto.v1.PackageHistory;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.PhaseMeasurement;
import dev.lfsfarm.proto.v1.Regression;
import dev.lfsfarm.proto.v1.ResourceUsage;
import dev.lfsfarm.proto.v1.SpeedSource;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import dev.lfsfarm.proto.v1.WorkerState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code farm calibrate} and {@code farm history} against a coordinator double: what they send,
 * their tables and JSON, and their errors. (CalibrateIT runs them against a real farm.)
 */
class CalibrateAndHistoryCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private HistoryFakeCoordinator coordinator;
    private Path book;

    @BeforeEach
    void start() throws Exception {
        System.setProperty("farm.retry-seconds", "5");
        coordinator = new HistoryFakeCoordinator();
        book = new BookFixture(dir.resolve("book"))
                .book("name: ref\nprofiles:\n  default:\n    sbu_reference: ref\n  plain:\n    skip_check: true\n")
                .recipe("ref", "version: '1.0'\nsbu: 0.5\nparallel_jobs: 4\nphases: {build: 'true'}\n")
                .root();
    }

    @AfterEach
    void stop() throws Exception {
        System.clearProperty("farm.retry-seconds");
        coordinator.close();
    }

    private CliRun farm(String... args) {
        String[] full = java.util.stream.Stream.concat(
                        java.util.Arrays.stream(args), java.util.stream.Stream.of("--coordinator", coordinator.address))
                .toArray(String[]::new);
        return CliRun.of(full);
    }

    private static Timestamp at(long epochSecond) {
        return Timestamp.newBuilder().setSeconds(epochSecond).build();
    }

    private static WorkerSpeed speed(String worker, double secondsPerSbu, SpeedSource source, long calibratedAt) {
        WorkerSpeed.Builder b = WorkerSpeed.newBuilder()
                .setWorker(worker)
                .setSecondsPerSbu(secondsPerSbu)
                .setSource(source);
        if (calibratedAt > 0) {
            b.setCalibratedAt(at(calibratedAt));
        }
        return b.build();
    }

    /** A finished calibration build of {@code worker} whose build phase took {@code wall} seconds. */
    private void succeeds(String worker, double wall) {
        PhaseMeasurement fetch = PhaseMeasurement.newBuilder()
                .setPhase("fetch")
                .setUsage(ResourceUsage.newBuilder().setWallSeconds(0.4))
                .build();
        PhaseMeasurement build = PhaseMeasurement.newBuilder()
                .setPhase("build")
                .setUsage(ResourceUsage.newBuilder().setWallSeconds(wall))
                .build();
        PhaseMeasurement check =
                PhaseMeasurement.newBuilder().setPhase("check").setSkipped(true).build();
        coordinator.finished.put(
                "cal-" + worker,
                Build.newBuilder()
                        .setBuildId("cal-" + worker)
                        .setState(BuildState.BUILD_STATE_SUCCEEDED)
                        .addPackages(PackageStatus.newBuilder()
                                .setPackageId("ref")
                                .setState(PackageState.PACKAGE_STATE_SUCCEEDED)
                                .setWorker(worker)
                                .setWallSeconds(wall + 1)
                                .setMeasurements(Measurements.newBuilder()
                                        .addPhases(fetch)
                                        .addPhases(build)
                                        .addPhases(check)))
                        .build());
    }

    private void twoWorkersCalibrated() {
        coordinator.workers = List.of(
                HistoryFakeCoordinator.worker("pve1-ct101", WorkerState.WORKER_STATE_ACTIVE),
                HistoryFakeCoordinator.worker("pve2-ct102", WorkerState.WORKER_STATE_ACTIVE));
        succeeds("pve1-ct101", 12.0);
        succeeds("pve2-ct102", 15.5);
        coordinator.speeds = List.of(
                ListWorkerSpeedsResponse.newBuilder()
                        .addWorkers(speed("pve1-ct101", 30, SpeedSource.SPEED_SOURCE_CALIBRATED, 1000))
                        .setDefaultSecondsPerSbu(60)
                        .build(),
                ListWorkerSpeedsResponse.newBuilder()
                        .addWorkers(speed("pve1-ct101", 24, SpeedSource.SPEED_SOURCE_CALIBRATED, 2000))
                        .addWorkers(speed("pve2-ct102", 31, SpeedSource.SPEED_SOURCE_CALIBRATED, 2001))
                        .build());
    }

    @Test
    void calibratesEachWorkerInTurnWithOneCalibrationBuildOfTheReference() throws Exception {
        twoWorkersCalibrated();
        CliRun run = farm("calibrate", "--book", book.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(coordinator.submits).hasSize(2);
        for (var request : coordinator.submits) {
            assertThat(request.getTargetsList()).containsExactly("ref");
            assertThat(request.getNoCache()).isTrue();
            assertThat(request.getBook().getProfiles(0).getSbuReference()).isEqualTo("ref");
        }
        assertThat(coordinator.submits)
                .extracting(r -> r.getCalibrateWorker())
                .containsExactly("pve1-ct101", "pve2-ct102");
        assertThat(coordinator.submits.get(0).getRequestId())
                .isNotEqualTo(coordinator.submits.get(1).getRequestId());
        // One after another: the second worker's build is submitted only once the first one ended.
        assertThat(coordinator.calls)
                .containsSubsequence(
                        "SubmitBuild pve1-ct101",
                        "GetBuild cal-pve1-ct101",
                        "SubmitBuild pve2-ct102",
                        "GetBuild cal-pve2-ct102",
                        "ListWorkerSpeeds");
        assertThat(run.out())
                .contains("WORKER      S/SBU       PREVIOUS                       WALL  BUILD\n"
                        + "pve1-ct101  24.0 s      30.0 s (calibrated)          12.0 s  cal-pve1-ct101\n"
                        + "pve2-ct102  31.0 s      none                         15.5 s  cal-pve2-ct102\n");
        assertThat(run.out()).contains("Reference: ref 1.0, 0.5 SBU on one core (" + book.toRealPath() + ").");
        assertThat(run.err()).contains("farm: pve1-ct101: calibration build cal-pve1-ct101");
    }

    @Test
    void parallelSubmitsEveryCalibrationBeforeFollowingAny() {
        twoWorkersCalibrated();
        CliRun run = farm("calibrate", "--book", book.toString(), "--parallel");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(coordinator.calls)
                .containsSubsequence(
                        "SubmitBuild pve1-ct101",
                        "SubmitBuild pve2-ct102",
                        "GetBuild cal-pve1-ct101",
                        "GetBuild cal-pve2-ct102");
    }

    @Test
    void namedWorkersOnlyAndJson() throws Exception {
        twoWorkersCalibrated();
        CliRun run = farm("calibrate", "--book", book.toString(), "--worker", "pve2-ct102", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(coordinator.submits).extracting(r -> r.getCalibrateWorker()).containsExactly("pve2-ct102");
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.path("reference").path("package").asText()).isEqualTo("ref");
        assertThat(json.path("reference").path("sbu").asDouble()).isEqualTo(0.5);
        JsonNode w = json.path("workers").get(0);
        assertThat(w.path("worker").asText()).isEqualTo("pve2-ct102");
        assertThat(w.path("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(w.path("seconds_per_sbu").asDouble()).isEqualTo(31.0);
        assertThat(w.path("wall_seconds").asDouble())
                .as("recipe phases only, not fetch")
                .isEqualTo(15.5);
        assertThat(w.path("previous").isNull()).isTrue();
    }

    @Test
    void aFailedCalibrationShowsItsReasonAndLogTailAndExits1() {
        coordinator.workers = List.of(HistoryFakeCoordinator.worker("w-one", WorkerState.WORKER_STATE_ACTIVE));
        coordinator.finished.put(
                "cal-w-one",
                Build.newBuilder()
                        .setBuildId("cal-w-one")
                        .setState(BuildState.BUILD_STATE_FAILED)
                        .addPackages(PackageStatus.newBuilder()
                                .setPackageId("ref")
                                .setState(PackageState.PACKAGE_STATE_FAILED)
                                .setFailedPhase("build")
                                .setFailureReason("phase build exited 2")
                                .setLogTail(
                                        "cc -c u0001.c\nu0001.c:3: error: expected ';'\nmake: *** [u0001.o] Error 1\n"))
                        .build());
        // A worker of unknown speed is listed at 0 s: it runs at the coordinator's default.
        coordinator.speeds = List.of(ListWorkerSpeedsResponse.newBuilder()
                .setDefaultSecondsPerSbu(60)
                .addWorkers(speed("w-one", 0, SpeedSource.SPEED_SOURCE_DEFAULT, 0))
                .build());
        CliRun run = farm("calibrate", "--book", book.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err())
                .contains("farm: error: calibration of w-one failed (build cal-w-one, FAILED): "
                        + "build: phase build exited 2\n")
                .contains("farm: last lines of its log (farm logs cal-w-one ref):\n  | cc -c u0001.c\n"
                        + "  | u0001.c:3: error: expected ';'\n  | make: *** [u0001.o] Error 1\n");
        assertThat(run.out()).contains("w-one   FAILED      60.0 s (default)" + " ".repeat(18) + "-  cal-w-one");
    }

    @Test
    void workersShowsEachWorkersSecondsPerSbuAndItsSource() throws Exception {
        twoWorkersCalibrated();
        coordinator.speeds = List.of(ListWorkerSpeedsResponse.newBuilder()
                .addWorkers(speed("pve1-ct101", 24, SpeedSource.SPEED_SOURCE_CALIBRATED, 2000))
                .addWorkers(speed("pve2-ct102", 41.5, SpeedSource.SPEED_SOURCE_ESTIMATED, 0))
                .build());
        CliRun run = farm("workers");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().split("\n")[0]).contains("MEMORY  S/SBU                   PLATFORM");
        assertThat(run.out()).contains("  24.0 s (calibrated)     ").contains("  41.5 s (estimated)      ");
        JsonNode json = JSON.readTree(farm("workers", "-o", "json").out());
        assertThat(json.path("workers").get(1).path("seconds_per_sbu").asDouble())
                .isEqualTo(41.5);
        assertThat(json.path("workers").get(1).path("speed_source").asText()).isEqualTo("estimated");
    }

    @Test
    void anUnknownWorkerIsBadInputWithAHint() {
        twoWorkersCalibrated();
        CliRun run = farm("calibrate", "--book", book.toString(), "--worker", "pve1-ct110");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .isEqualTo("farm: error: --worker: unknown worker 'pve1-ct110' (did you mean 'pve1-ct101'?)"
                        + " (connected: pve1-ct101, pve2-ct102)\n");
        assertThat(coordinator.submits).isEmpty();
    }

    @Test
    void aDrainingWorkerIsRefused() {
        coordinator.workers = List.of(HistoryFakeCoordinator.worker("w-one", WorkerState.WORKER_STATE_DRAINING));
        CliRun run = farm("calibrate", "--book", book.toString(), "-w", "w-one");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--worker: worker 'w-one' is DRAINING, not ACTIVE: it takes no new builds now");
    }

    @Test
    void noConnectedWorkersIsAFailureThatSaysWhatToDo() {
        coordinator.workers = List.of(HistoryFakeCoordinator.worker("gone", WorkerState.WORKER_STATE_DISCONNECTED));
        CliRun run = farm("calibrate", "--book", book.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err())
                .isEqualTo("farm: error: no workers are connected to coordinator " + coordinator.address
                        + ": start one with 'farm worker', then calibrate\n");
        assertThat(coordinator.submits).isEmpty();
    }

    @Test
    void aProfileWithoutReferenceNamesFarmYamlAndTheField() throws Exception {
        CliRun run = farm("calibrate", "--book", book.toString(), "--profile", "plain");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .startsWith("farm: error: " + book.toRealPath().resolve("farm.yaml")
                        + ": profiles.plain.sbu_reference: missing: profile 'plain' names no SBU reference package");
        assertThat(coordinator.calls)
                .as("bad input never reaches the coordinator")
                .isEmpty();
    }

    @Test
    void profileNeedsBook() {
        CliRun run = farm("calibrate", "--profile", "x");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--profile needs --book");
    }

    @Test
    void theShippedReferenceBookUnpacksAndIsRemovedAfterwards() throws Exception {
        Path folder;
        try (ReferenceBook shipped = ReferenceBook.open(null, null)) {
            folder = shipped.folder();
            assertThat(shipped.shipped()).isTrue();
            assertThat(shipped.recipe().id()).isEqualTo("sbu-reference");
            assertThat(shipped.recipe().sbu()).isEqualTo(1.0);
            assertThat(folder.resolve("src/refdump/configure")).isRegularFile();
            assertThat(folder.resolve("src/refdump/gen-tree.awk")).isRegularFile();
            assertThat(Files.readString(folder.resolve("packages/sbu-reference.yaml")))
                    .isEqualTo(Files.readString(Path.of("../examples/sbu-reference/packages/sbu-reference.yaml")));
        }
        assertThat(folder).doesNotExist();
    }

    private static AttemptRecord.Builder attempt(String build, String worker, AttemptOutcome outcome, double wall) {
        return AttemptRecord.newBuilder()
                .setPackageId("gcc")
                .setVersion("14.2.0")
                .setBuildId(build)
                .setAttemptId("1-" + build)
                .setWorker(worker)
                .setFinishedAt(at(1_790_000_000))
                .setOutcome(outcome)
                .setWallSeconds(wall)
                .setCpuSeconds(wall * 3.5)
                .setPeakRssBytes(812L << 20)
                .setCores(4)
                .setSbu(wall / 10)
                .setSecondsPerSbu(10)
                .setSpeedSource(SpeedSource.SPEED_SOURCE_CALIBRATED)
                .setBookSbu(46)
                .setDiskUsedBytes(6_400L << 20);
    }

    private void gccHistory() {
        coordinator.histories.put(
                "gcc",
                GetHistoryResponse.newBuilder()
                        .setLearnedSbu(1.25)
                        .setSamples(2)
                        .setHistory(PackageHistory.newBuilder()
                                .setPackageId("gcc")
                                .addRecords(attempt("b-1", "pve1", AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 12.0))
                                .addRecords(attempt("b-2", "pve2", AttemptOutcome.ATTEMPT_OUTCOME_FAILED, 3.0)
                                        .setSbu(0)
                                        .setPeakRssBytes(0)
                                        .setDiskUsedBytes(0))
                                .addRecords(attempt("b-3", "pve1", AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 27.6)
                                        .setRegression(Regression.newBuilder()
                                                .setFactor(2.3)
                                                .setThreshold(1.5)
                                                .setExpectedSeconds(12.0)
                                                .setSamples(1))))
                        .build());
    }

    @Test
    void historyPrintsEveryAttemptWithItsMeasurementsAndTheLearnedEstimate() {
        gccHistory();
        CliRun run = farm("history", "gcc", "--limit", "3");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(coordinator.historyRequests.get(0).getLimit()).isEqualTo(3);
        String[] lines = run.out().split("\n");
        assertThat(lines[0]).isEqualTo("History of gcc: 3 attempts");
        assertThat(lines[2])
                .isEqualTo("FINISHED             BUILD                   WORKER         CORES  OUTCOME        "
                        + "WALL       CPU  PEAK RSS     SBU      DISK  REGRESSION");
        assertThat(lines[3])
                .endsWith("  b-1                     pve1               4  SUCCEEDED    12.0 s    42.0 s   812 MiB    "
                        + "1.20  6.25 GiB  ");
        assertThat(lines[4])
                .endsWith(
                        "  b-2                     pve2               4  FAILED        3.0 s    10.5 s         -       "
                                + "-         -  ");
        assertThat(lines[5])
                .endsWith("  SUCCEEDED    27.6 s    96.6 s   812 MiB    2.76  6.25 GiB  !! 2.3x median (12.0 s)");
        assertThat(lines[7]).isEqualTo("Learned estimate: 1.25 SBU on one core (median of 2 successful attempts).");
    }

    @Test
    void historyJsonCarriesEveryFieldAndTheRegression() throws Exception {
        gccHistory();
        CliRun run = farm("history", "gcc", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(coordinator.historyRequests.get(0).getLimit())
                .as("the default limit")
                .isEqualTo(20);
        JsonNode json = JSON.readTree(run.out());
        assertThat(json.path("estimate").path("sbu").asDouble()).isEqualTo(1.25);
        assertThat(json.path("estimate").path("samples").asInt()).isEqualTo(2);
        assertThat(json.path("attempts")).hasSize(3);
        JsonNode last = json.path("attempts").get(2);
        assertThat(last.path("outcome").asText()).isEqualTo("SUCCEEDED");
        assertThat(last.path("finished_at").asText()).isEqualTo("2026-09-21T14:13:20Z");
        assertThat(last.path("regression").path("factor").asDouble()).isEqualTo(2.3);
        assertThat(last.path("speed_source").asText()).isEqualTo("calibrated");
        assertThat(json.path("attempts").get(0).path("regression").isNull()).isTrue();
    }

    @Test
    void historyOfAnUnknownPackageSaysSoAndExits2() {
        CliRun run = farm("history", "nosuch");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .isEqualTo("farm: error: no recorded attempts of package 'nosuch' on this coordinator: history "
                        + "starts when an attempt of it finishes (cached packages add none)\n");
    }

    @Test
    void historyRejectsANegativeLimitBeforeCallingTheCoordinator() {
        CliRun run = farm("history", "gcc", "--limit", "-1");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("farm: error: --limit must be 0 (every attempt) or more, found -1\n");
        assertThat(coordinator.calls).isEmpty();
    }

    @Test
    void historyWithoutPackageIsAUsageError() {
        CliRun run = farm("history");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Missing required parameter: 'PKG'").contains("farm history --help");
    }
}
