package dev.lfsfarm.coordinator.service;

import static dev.lfsfarm.coordinator.service.TestFarm.pkg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.ResumeBuildRequest;
import dev.lfsfarm.proto.v1.ResumeBuildResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole farm stops while a build runs and starts again: the last coordinator's clean stop
 * leaves the build INTERRUPTED (not resumed by itself), and ResumeBuild continues it without
 * building again what had finished.
 */
class ResumeTest {
    @TempDir
    Path dir;

    private static ResumeBuildResponse resume(TestFarm farm, String id) {
        return farm.builds()
                .resumeBuild(ResumeBuildRequest.newBuilder().setBuildId(id).build());
    }

    @Test
    void anInterruptedBuildWaitsForResumeAndKeepsWhatFinished() throws Exception {
        String id;
        try (TestFarm farm = new TestFarm(dir)) {
            id = farm.submit(farm.request(TestFarm::chain)).getBuildId();
            FakeWorker w = farm.connected("w");
            assertThat(w.succeed(w.awaitAssign()).getAccepted()).isTrue();
            Assign b = w.awaitAssign();
            assertThat(b.getPackageId()).isEqualTo("b");
            assertThat(resume(farm, id).getResumed())
                    .as("a running build needs no resume")
                    .isFalse();
        }

        try (TestFarm farm = new TestFarm(dir)) {
            Build stopped = farm.get(id);
            assertThat(stopped.getState()).isEqualTo(BuildState.BUILD_STATE_INTERRUPTED);
            assertThat(pkg(stopped, "a").getState()).isEqualTo(PackageState.PACKAGE_STATE_SUCCEEDED);
            FakeWorker w = farm.connected("w2");
            w.expectNone(dev.lfsfarm.proto.v1.CoordinatorMessage.MessageCase.ASSIGN, java.time.Duration.ofMillis(500));

            ResumeBuildResponse resumed = resume(farm, id);
            assertThat(resumed.getResumed()).isTrue();
            assertThat(resumed.getState()).isEqualTo(BuildState.BUILD_STATE_RUNNING);
            assertThat(resumed.getRemaining()).isEqualTo(1);
            Assign again = w.awaitAssign();
            assertThat(again.getPackageId())
                    .as("only b runs again; a keeps its artifact")
                    .isEqualTo("b");
            assertThat(w.succeed(again).getAccepted()).isTrue();
            farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);
            assertThatThrownBy(() -> resume(farm, id))
                    .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
        }
    }
}
