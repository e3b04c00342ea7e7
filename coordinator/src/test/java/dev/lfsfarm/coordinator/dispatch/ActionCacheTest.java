package dev.lfsfarm.coordinator.dispatch;

import static dev.lfsfarm.coordinator.service.TestFarm.pkg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.coordinator.service.FakeWorker;
import dev.lfsfarm.coordinator.service.TestFarm;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.CoordinatorMessage.MessageCase;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The action cache: what was built once is not built again, unless asked to. */
class ActionCacheTest {
    private static final Duration QUIET = Duration.ofMillis(300);

    @TempDir
    Path tmp;

    private TestFarm farm;
    private FakeWorker w1;

    @BeforeEach
    void start() throws Exception {
        farm = new TestFarm(tmp);
        w1 = farm.connected("w1");
    }

    @AfterEach
    void stop() throws Exception {
        farm.close();
    }

    /** Builds {@code request} on w1 (two packages, one after the other) and returns the finished build. */
    private Build buildChain(SubmitBuildRequest request) throws Exception {
        String id = farm.submit(request).getBuildId();
        assertThat(w1.succeed(w1.awaitAssign()).getAccepted()).isTrue();
        assertThat(w1.succeed(w1.awaitAssign()).getAccepted()).isTrue();
        return farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);
    }

    @Test
    void anIdenticalSecondBuildIsCachedWithoutAnyAssign() throws Exception {
        SubmitBuildRequest request = farm.request(TestFarm::chain);
        Build first = buildChain(request);

        SubmitBuildResponse again = farm.submit(request);

        assertThat(again.getCreated()).isTrue();
        assertThat(again.getBuildId()).isNotEqualTo(first.getBuildId());
        Build second = farm.awaitState(again.getBuildId(), BuildState.BUILD_STATE_SUCCEEDED);
        assertThat(second.getPackagesList())
                .extracting(PackageStatus::getState)
                .containsOnly(PackageState.PACKAGE_STATE_CACHED);
        assertThat(second.getPackagesList()).allSatisfy(p -> {
            assertThat(p.getCacheHit()).isTrue();
            assertThat(p.getAttempts()).isZero();
            assertThat(p.getArtifact()).isEqualTo(pkg(first, p.getPackageId()).getArtifact());
            assertThat(p.getActionKey()).isEqualTo(pkg(first, p.getPackageId()).getActionKey());
        });
        assertThat(second.getProgress().getCached()).isEqualTo(2);
        w1.expectNone(MessageCase.ASSIGN, QUIET);
    }

    @Test
    void noCacheBuildsAgain() throws Exception {
        SubmitBuildRequest request = farm.request(TestFarm::chain);
        Build first = buildChain(request);

        String id = farm.submit(request.toBuilder().setNoCache(true).build()).getBuildId();

        Assign a = w1.awaitAssign();
        assertThat(a.getBuildId()).isEqualTo(id);
        assertThat(a.getPackageId()).isEqualTo("a");
        assertThat(a.getActionKey()).isEqualTo(pkg(first, "a").getActionKey());
        PackageStatus status = pkg(farm.get(id), "a");
        assertThat(status.getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING);
        assertThat(status.getCacheHit()).isFalse();
        assertThat(w1.succeed(a).getAccepted()).isTrue();
        assertThat(w1.awaitAssign().getPackageId()).isEqualTo("b");
    }

    @Test
    void aPackageBuiltByAnotherBookIsCachedAndStagedForItsDependents() throws Exception {
        String alone = farm.submit(farm.request(b -> b.simple("a", "1.0", ""))).getBuildId();
        assertThat(w1.succeed(w1.awaitAssign()).getAccepted()).isTrue();
        Build first = farm.awaitState(alone, BuildState.BUILD_STATE_SUCCEEDED);

        String id = farm.submit(farm.request(TestFarm::chain)).getBuildId();

        Assign b = w1.awaitAssign();
        assertThat(b.getPackageId()).isEqualTo("b");
        assertThat(b.getDependenciesList())
                .singleElement()
                .satisfies(d ->
                        assertThat(d.getArtifact()).isEqualTo(pkg(first, "a").getArtifact()));
        assertThat(pkg(farm.get(id), "a").getState()).isEqualTo(PackageState.PACKAGE_STATE_CACHED);
    }

    @Test
    void aRepeatedRequestIdReturnsTheSameBuild() throws Exception {
        SubmitBuildRequest request =
                farm.request(TestFarm::chain).toBuilder().setRequestId("req-1").build();

        SubmitBuildResponse first = farm.submit(request);
        SubmitBuildResponse again = farm.submit(request);

        assertThat(first.getCreated()).isTrue();
        assertThat(again.getCreated()).isFalse();
        assertThat(again.getBuildId()).isEqualTo(first.getBuildId());
        assertThat(w1.awaitAssign().getBuildId()).isEqualTo(first.getBuildId());
        w1.expectNone(MessageCase.ASSIGN, QUIET);
    }
}
