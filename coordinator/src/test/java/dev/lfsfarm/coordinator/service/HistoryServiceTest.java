package dev.lfsfarm.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.AttemptRecord;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.EstimateSource;
import dev.lfsfarm.proto.v1.GetHistoryRequest;
import dev.lfsfarm.proto.v1.GetHistoryResponse;
import dev.lfsfarm.proto.v1.HistoryServiceGrpc;
import dev.lfsfarm.proto.v1.ListWorkerSpeedsRequest;
import dev.lfsfarm.proto.v1.Measurements;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.PhaseMeasurement;
import dev.lfsfarm.proto.v1.ResourceUsage;
import dev.lfsfarm.proto.v1.SpeedSource;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.WorkerSpeed;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark manager through the real coordinator: results with controlled phase times go in,
 * the history, learned estimates, worker speeds, regressions and calibrations that come out are
 * checked to the exact figure. The default seconds per SBU of {@link TestFarm#SETTINGS} is 60.
 */
class HistoryServiceTest {
    @TempDir
    Path dir;

    private static SubmitBuildRequest.Builder book(TestFarm farm) throws Exception {
        return farm
                .request(b -> b.recipe("a", "version: \"1.0\"\nsbu: 2\nparallel_jobs: 1\nphases: {build: make}\n")
                        .recipe("ref", "version: \"1.0\"\nsbu: 0.5\nparallel_jobs: 4\nphases: {build: make}\n")
                        .recipe("free", "version: \"1.0\"\nsbu: 0\nphases: {build: make}\n"))
                .toBuilder()
                .setNoCache(true);
    }

    /** Builds {@code target} once, the worker reporting a build phase of {@code wall} seconds. */
    private static Build buildOnce(
            TestFarm farm, FakeWorker worker, SubmitBuildRequest.Builder request, String target, double wall)
            throws Exception {
        String id =
                farm.submit(request.clearTargets().addTargets(target).build()).getBuildId();
        Assign assign = worker.awaitAssign();
        worker.report(FakeWorker.success(assign, worker.upload(assign))
                .setMeasurements(measured(wall, assign.getCores()))
                .build());
        return farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);
    }

    private static Measurements measured(double wall, int cores) {
        return Measurements.newBuilder()
                .setCores(cores)
                .addPhases(PhaseMeasurement.newBuilder()
                        .setPhase("fetch")
                        .setUsage(ResourceUsage.newBuilder().setWallSeconds(3)))
                .addPhases(PhaseMeasurement.newBuilder()
                        .setPhase("build")
                        .setUsage(ResourceUsage.newBuilder()
                                .setWallSeconds(wall)
                                .setUserCpuSeconds(wall * 0.9)
                                .setSystemCpuSeconds(wall * 0.1)
                                .setPeakRssBytes(50 << 20)))
                .setTotal(ResourceUsage.newBuilder().setWallSeconds(wall + 3))
                .setDiskUsedBytes(12_000_000)
                .build();
    }

    private static HistoryServiceGrpc.HistoryServiceBlockingStub history(TestFarm farm) {
        return HistoryServiceGrpc.newBlockingStub(farm.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Test
    void everyAttemptIsRecordedAndTheMedianReplacesTheBookEstimate() throws Exception {
        try (TestFarm farm = new TestFarm(dir)) {
            FakeWorker w1 = farm.connected("w1");
            SubmitBuildRequest.Builder request = book(farm);
            Build first = buildOnce(farm, w1, request, "a", 10);
            assertThat(TestFarm.pkg(first, "a").getEstimateSource()).isEqualTo(EstimateSource.ESTIMATE_SOURCE_BOOK);
            assertThat(TestFarm.pkg(first, "a").getSbuEstimate()).isEqualTo(2.0);
            buildOnce(farm, w1, request, "a", 10);
            buildOnce(farm, w1, request, "a", 10);

            GetHistoryResponse h = history(farm)
                    .getHistory(GetHistoryRequest.newBuilder().setPackageId("a").build());
            assertThat(h.getHistory().getRecordsList()).hasSize(3);
            AttemptRecord unknownSpeed = h.getHistory().getRecords(0);
            // Before any history the worker's speed is unknown: the default 60 s per SBU is assumed.
            assertThat(unknownSpeed.getSpeedSource()).isEqualTo(SpeedSource.SPEED_SOURCE_DEFAULT);
            assertThat(unknownSpeed.getSecondsPerSbu()).isEqualTo(60.0);
            assertThat(unknownSpeed.getWallSeconds()).isEqualTo(10.0); // the build phase only, not fetch
            assertThat(unknownSpeed.getCpuSeconds()).isCloseTo(10.0, within(1e-9));
            assertThat(unknownSpeed.getPeakRssBytes()).isEqualTo(50L << 20);
            assertThat(unknownSpeed.getDiskUsedBytes()).isEqualTo(12_000_000);
            assertThat(unknownSpeed.getBookSbu()).isEqualTo(2.0);
            // Then it is estimated against the book: 10 s for a 2-SBU package = 5 s per SBU.
            AttemptRecord estimated = h.getHistory().getRecords(1);
            assertThat(estimated.getSpeedSource()).isEqualTo(SpeedSource.SPEED_SOURCE_ESTIMATED);
            assertThat(estimated.getSecondsPerSbu()).isEqualTo(5.0);
            assertThat(estimated.getSbu()).isEqualTo(2.0);
            assertThat(h.getLearnedSbu()).isEqualTo(2.0); // median of 10/60, 10/5, 10/5
            assertThat(h.getSamples()).isEqualTo(3);

            // The fourth build is planned with the learned figure, and the worker is told its speed.
            String id =
                    farm.submit(request.clearTargets().addTargets("a").build()).getBuildId();
            Assign assign = w1.awaitAssign();
            assertThat(assign.getSecondsPerSbu()).isEqualTo(5.0);
            PackageStatus planned = TestFarm.pkg(farm.get(id), "a");
            assertThat(planned.getEstimateSource()).isEqualTo(EstimateSource.ESTIMATE_SOURCE_LEARNED);
            assertThat(planned.getSbuEstimate()).isEqualTo(2.0);

            // It takes 40 s instead of 10: 4x its median, flagged.
            w1.report(FakeWorker.success(assign, w1.upload(assign))
                    .setMeasurements(measured(40, 1))
                    .build());
            Build slow = farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);
            PackageStatus flagged = TestFarm.pkg(slow, "a");
            assertThat(flagged.hasRegression()).isTrue();
            assertThat(flagged.getRegression().getFactor()).isEqualTo(4.0);
            assertThat(flagged.getRegression().getExpectedSeconds()).isEqualTo(10.0);
            assertThat(flagged.getRegression().getThreshold()).isEqualTo(1.5);
            assertThat(flagged.getRegression().getSamples()).isEqualTo(3);
            assertThat(slow.getProgress().getRegressions()).isEqualTo(1);
            AttemptRecord last = history(farm)
                    .getHistory(GetHistoryRequest.newBuilder()
                            .setPackageId("a")
                            .setLimit(1)
                            .build())
                    .getHistory()
                    .getRecords(0);
            assertThat(last.getRegression().getFactor()).isEqualTo(4.0);
            assertThat(last.getBuildId()).isEqualTo(id);
        }
    }

    @Test
    void historyAndCalibrationsSurviveARestart() throws Exception {
        try (TestFarm farm = new TestFarm(dir)) {
            FakeWorker w1 = farm.connected("w1");
            SubmitBuildRequest.Builder request = book(farm);
            buildOnce(farm, w1, request, "a", 10);
            buildOnce(farm, w1, request.setCalibrateWorker("w1"), "ref", 15);
        }
        try (TestFarm farm = new TestFarm(dir)) {
            GetHistoryResponse h = history(farm)
                    .getHistory(GetHistoryRequest.newBuilder().setPackageId("a").build());
            assertThat(h.getHistory().getRecordsList()).hasSize(1);
            assertThat(h.getHistory().getRecords(0).getWallSeconds()).isEqualTo(10.0);
            WorkerSpeed w1 = history(farm)
                    .listWorkerSpeeds(ListWorkerSpeedsRequest.getDefaultInstance())
                    .getWorkers(0);
            assertThat(w1.getWorker()).isEqualTo("w1");
            assertThat(w1.getSource()).isEqualTo(SpeedSource.SPEED_SOURCE_CALIBRATED);
            assertThat(w1.getSecondsPerSbu()).isEqualTo(30.0); // 15 s for a 0.5-SBU reference
            assertThat(w1.getConnected()).isFalse();
        }
    }

    @Test
    void aCalibrationBuildRunsOnItsWorkerWithOneCoreAndSetsItsSpeed() throws Exception {
        try (TestFarm farm = new TestFarm(dir)) {
            FakeWorker w1 = farm.connected("w1");
            FakeWorker w2 = farm.connected("w2");
            SubmitBuildRequest.Builder request =
                    book(farm).setCalibrateWorker("w2").setNoCache(false);
            String id = farm.submit(request.addTargets("ref").build()).getBuildId();
            Assign assign = w2.awaitAssign();
            assertThat(assign.getCores()).isEqualTo(1); // SBU is a one-core figure, whatever parallel_jobs says
            w1.expectNone(dev.lfsfarm.proto.v1.CoordinatorMessage.MessageCase.ASSIGN, Duration.ofMillis(300));
            w2.report(FakeWorker.success(assign, w2.upload(assign))
                    .setMeasurements(measured(20, 1))
                    .build());
            farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);
            assertThat(farm.get(id).getNoCache()).isTrue(); // calibrations always build

            var speeds = history(farm).listWorkerSpeeds(ListWorkerSpeedsRequest.getDefaultInstance());
            assertThat(speeds.getDefaultSecondsPerSbu()).isEqualTo(60.0);
            WorkerSpeed w2Speed = speeds.getWorkersList().stream()
                    .filter(s -> s.getWorker().equals("w2"))
                    .findFirst()
                    .orElseThrow();
            assertThat(w2Speed.getSecondsPerSbu()).isEqualTo(40.0);
            assertThat(w2Speed.getSource()).isEqualTo(SpeedSource.SPEED_SOURCE_CALIBRATED);
            assertThat(w2Speed.getConnected()).isTrue();
            // The reference's own record is measured with the new calibration: it is worth its recipe's SBU.
            AttemptRecord reference = history(farm)
                    .getHistory(
                            GetHistoryRequest.newBuilder().setPackageId("ref").build())
                    .getHistory()
                    .getRecords(0);
            assertThat(reference.getSpeedSource()).isEqualTo(SpeedSource.SPEED_SOURCE_CALIBRATED);
            assertThat(reference.getSbu()).isEqualTo(0.5);
            WorkerSpeed w1Speed = speeds.getWorkersList().stream()
                    .filter(s -> s.getWorker().equals("w1"))
                    .findFirst()
                    .orElseThrow();
            assertThat(w1Speed.getSource()).isEqualTo(SpeedSource.SPEED_SOURCE_DEFAULT);

            // The next package goes to w2 with its calibrated speed announced.
            String next = farm.submit(book(farm).addTargets("a").build()).getBuildId();
            Assign onW2 = w2.awaitAssign();
            assertThat(onW2.getSecondsPerSbu()).isEqualTo(40.0);
            w2.succeed(onW2);
            farm.awaitState(next, BuildState.BUILD_STATE_SUCCEEDED);
        }
    }

    @Test
    void badCalibrationRequestsAreRefusedWithPreciseCodes() throws Exception {
        try (TestFarm farm = new TestFarm(dir)) {
            farm.connected("w1");
            SubmitBuildRequest.Builder request = book(farm);
            assertThatThrownBy(() -> farm.submit(request.clone()
                            .setCalibrateWorker("nope")
                            .addTargets("ref")
                            .build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                        assertThat(e.getStatus().getDescription())
                                .contains("'nope'")
                                .contains("not connected");
                    });
            assertThatThrownBy(() -> farm.submit(request.clone()
                            .setCalibrateWorker("w1")
                            .addTargets("ref")
                            .addTargets("a")
                            .build()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
            assertThatThrownBy(() -> farm.submit(request.clone()
                            .setCalibrateWorker("w1")
                            .addTargets("free")
                            .build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription())
                                .contains("'free'")
                                .contains("sbu above 0");
                    });
            assertThatThrownBy(() -> history(farm)
                            .getHistory(GetHistoryRequest.newBuilder()
                                    .setPackageId("a")
                                    .build()))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        }
    }
}
