package dev.lfsfarm.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.CancelBuildRequest;
import dev.lfsfarm.proto.v1.DependencyRef;
import dev.lfsfarm.proto.v1.DrainWorkerRequest;
import dev.lfsfarm.proto.v1.ExplainPendingRequest;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.ListBuildsRequest;
import dev.lfsfarm.proto.v1.Recipe;
import dev.lfsfarm.proto.v1.RetryBuildRequest;
import dev.lfsfarm.proto.v1.StreamLogRequest;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.WatchBuildRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every BuildService error status, and that a rejected call changes nothing. */
class BuildServiceErrorsTest {
    private static final String NO_SUCH_BUILD = "20260101-000000-dead";

    @TempDir
    Path tmp;

    private TestFarm farm;

    @BeforeEach
    void start() throws Exception {
        farm = new TestFarm(tmp);
    }

    @AfterEach
    void stop() throws Exception {
        farm.close();
    }

    // ---- SubmitBuild -------------------------------------------------------------------------

    @Test
    void submitWithAnUnknownDependencyIsInvalidAndNamesIt() throws Exception {
        SubmitBuildRequest valid = farm.request(TestFarm::chain);
        SubmitBuildRequest.Builder request = valid.toBuilder();
        Recipe.Builder b = request.getBookBuilder().getRecipesBuilderList().stream()
                .filter(r -> r.getId().equals("b"))
                .findFirst()
                .orElseThrow();
        b.getDependsBuilder().addRequired(DependencyRef.newBuilder().setPackageId("libnowhere"));

        expect(() -> farm.submit(request.build()), Status.Code.INVALID_ARGUMENT, "libnowhere");
        assertNoBuilds();
    }

    @Test
    void submitWithADependencyCycleIsInvalid() throws Exception {
        SubmitBuildRequest request = farm.request(book -> book.simple("a", "1", "required: [c]")
                .simple("b", "1", "required: [a]")
                .simple("c", "1", "required: [b]"));

        StatusRuntimeException e = expect(() -> farm.submit(request), Status.Code.INVALID_ARGUMENT, "cycle");
        assertThat(e.getStatus().getDescription()).contains("a").contains("b").contains("c");
        assertNoBuilds();
    }

    @Test
    void submitWithAnUnknownProfileIsInvalid() throws Exception {
        SubmitBuildRequest request =
                farm.request(TestFarm::chain).toBuilder().setProfile("nightly").build();

        expect(() -> farm.submit(request), Status.Code.INVALID_ARGUMENT, "nightly");
        assertNoBuilds();
    }

    @Test
    void submitWithAnUnknownTargetIsInvalid() throws Exception {
        SubmitBuildRequest request =
                farm.request(TestFarm::chain).toBuilder().addTargets("zlib").build();

        expect(() -> farm.submit(request), Status.Code.INVALID_ARGUMENT, "zlib");
    }

    @Test
    void submitOfAnEmptyBookIsInvalid() throws Exception {
        SubmitBuildRequest request = farm.request(TestFarm::chain).toBuilder()
                .setBook(dev.lfsfarm.proto.v1.Book.newBuilder().setName("empty"))
                .build();

        expect(() -> farm.submit(request), Status.Code.INVALID_ARGUMENT, "no recipes");
        assertNoBuilds();
    }

    private void assertNoBuilds() {
        assertThat(farm.builds()
                        .listBuilds(ListBuildsRequest.getDefaultInstance())
                        .getBuildsList())
                .isEmpty();
    }

    // ---- unknown builds, packages and workers ------------------------------------------------

    @Test
    void getBuildOfAnUnknownBuildIsNotFound() {
        expect(
                () -> farm.builds()
                        .getBuild(GetBuildRequest.newBuilder()
                                .setBuildId(NO_SUCH_BUILD)
                                .build()),
                Status.Code.NOT_FOUND,
                NO_SUCH_BUILD);
    }

    @Test
    void cancelOfAnUnknownBuildIsNotFound() {
        expect(
                () -> farm.builds()
                        .cancelBuild(CancelBuildRequest.newBuilder()
                                .setBuildId(NO_SUCH_BUILD)
                                .build()),
                Status.Code.NOT_FOUND,
                NO_SUCH_BUILD);
    }

    @Test
    void explainPendingOfAnUnknownBuildIsNotFound() {
        expect(
                () -> farm.builds()
                        .explainPending(ExplainPendingRequest.newBuilder()
                                .setBuildId(NO_SUCH_BUILD)
                                .addPackageIds("a")
                                .build()),
                Status.Code.NOT_FOUND,
                NO_SUCH_BUILD);
    }

    @Test
    void streamLogOfAnUnknownBuildIsNotFound() {
        expect(
                () -> farm.builds()
                        .streamLog(StreamLogRequest.newBuilder()
                                .setBuildId(NO_SUCH_BUILD)
                                .setPackageId("a")
                                .build())
                        .hasNext(),
                Status.Code.NOT_FOUND,
                NO_SUCH_BUILD);
    }

    @Test
    void watchOfAnUnknownBuildIsNotFound() throws Exception {
        BuildServiceTest.Watch watch = new BuildServiceTest.Watch();
        farm.buildsAsync()
                .watchBuild(
                        WatchBuildRequest.newBuilder().setBuildId(NO_SUCH_BUILD).build(), watch);

        Status status = watch.end.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(watch.events).isEmpty();
    }

    @Test
    void streamLogOfAPackageThatNeverRanIsNotFound() throws Exception {
        String id = farm.submit(farm.request(TestFarm::chain)).getBuildId();

        expect(
                () -> farm.builds()
                        .streamLog(StreamLogRequest.newBuilder()
                                .setBuildId(id)
                                .setPackageId("b")
                                .build())
                        .hasNext(),
                Status.Code.NOT_FOUND,
                "has not run");
    }

    @Test
    void streamLogOfAPackageNotInTheBuildIsNotFound() throws Exception {
        String id = farm.submit(farm.request(TestFarm::chain)).getBuildId();

        expect(
                () -> farm.builds()
                        .streamLog(StreamLogRequest.newBuilder()
                                .setBuildId(id)
                                .setPackageId("zlib")
                                .build())
                        .hasNext(),
                Status.Code.NOT_FOUND,
                "zlib");
    }

    @Test
    void explainPendingOfAnUnknownPackageIsNotFound() throws Exception {
        String id = farm.submit(farm.request(TestFarm::chain)).getBuildId();

        expect(
                () -> farm.builds()
                        .explainPending(ExplainPendingRequest.newBuilder()
                                .setBuildId(id)
                                .addPackageIds("a")
                                .addPackageIds("zlib")
                                .build()),
                Status.Code.NOT_FOUND,
                "zlib");
    }

    @Test
    void retryOfARunningBuildFailsItsPrecondition() throws Exception {
        String id = farm.submit(farm.request(TestFarm::chain)).getBuildId();

        expect(
                () -> farm.builds()
                        .retryBuild(
                                RetryBuildRequest.newBuilder().setBuildId(id).build()),
                Status.Code.FAILED_PRECONDITION,
                "only a finished build can be retried");
        assertThat(farm.get(id).getRetryCount()).isZero();
        assertThat(farm.get(id).getState()).isEqualTo(BuildState.BUILD_STATE_RUNNING);
    }

    @Test
    void retryOfAnUnknownBuildIsNotFound() {
        expect(
                () -> farm.builds()
                        .retryBuild(RetryBuildRequest.newBuilder()
                                .setBuildId(NO_SUCH_BUILD)
                                .build()),
                Status.Code.NOT_FOUND,
                NO_SUCH_BUILD);
    }

    @Test
    void drainOfAnUnknownWorkerIsNotFound() throws Exception {
        farm.connected("w1");

        expect(
                () -> farm.builds()
                        .drainWorker(
                                DrainWorkerRequest.newBuilder().setName("w2").build()),
                Status.Code.NOT_FOUND,
                "w2");
    }

    private static StatusRuntimeException expect(ThrowingCallable call, Status.Code code, String inDescription) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(StatusRuntimeException.class);
        StatusRuntimeException e = (StatusRuntimeException) thrown;
        assertThat(e.getStatus().getCode()).as(e.toString()).isEqualTo(code);
        assertThat(e.getStatus().getDescription()).contains(inDescription);
        return e;
    }
}
