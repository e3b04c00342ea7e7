package dev.lfsfarm.coordinator.dispatch;

import static dev.lfsfarm.coordinator.service.TestFarm.pkg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.coordinator.service.FakeWorker;
import dev.lfsfarm.coordinator.service.TestFarm;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.AttemptInfo;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.CoordinatorMessage.MessageCase;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.DrainWorkerRequest;
import dev.lfsfarm.proto.v1.FailureKind;
import dev.lfsfarm.proto.v1.ListWorkersRequest;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.ResultAck;
import dev.lfsfarm.proto.v1.ResultRejectReason;
import dev.lfsfarm.proto.v1.Welcome;
import dev.lfsfarm.proto.v1.WorkerState;
import dev.lfsfarm.proto.v1.WorkerStatus;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases: silent workers are lost and their attempts move on; workers that come back in time keep theirs. */
class WorkerLeaseTest {
    private static final Duration QUIET = Duration.ofMillis(300);

    @TempDir
    Path tmp;

    private TestFarm farm;

    /**
     * Heartbeats every 100 ms, a 2 s lease, and {@code maxRequeues} restarts of a lost package. The
     * lease is short so that a silent worker is lost soon, and long enough that one that heartbeats
     * is never lost while a loaded machine holds up the test's threads for a moment.
     */
    private static DispatchSettings shortLease(int maxRequeues) {
        return new DispatchSettings(Duration.ofMillis(100), Duration.ofSeconds(2), maxRequeues, 1 << 20, "x86_64", 60);
    }

    @AfterEach
    void stop() throws Exception {
        if (farm != null) {
            farm.close();
        }
    }

    @Test
    void aSilentWorkerIsLostAndItsLateResultIsRejected() throws Exception {
        farm = new TestFarm(tmp, shortLease(2));
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(b -> b.simple("solo", "1", ""))).getBuildId();
        Assign first = w1.awaitAssign();
        FakeWorker w2 = farm.connected("w2");
        w2.expectNone(MessageCase.ASSIGN, QUIET); // w1 heartbeats, so its lease holds and w2 idles

        w1.stopHeartbeats();

        Status end = w1.awaitEnd();
        assertThat(end.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(end.getDescription()).contains("lease");
        Assign second = w2.awaitAssign();
        assertThat(second.getPackageId()).isEqualTo("solo");
        assertThat(second.getAttemptNumber()).isEqualTo(2);
        assertThat(second.getAttemptId()).isNotEqualTo(first.getAttemptId());
        PackageStatus running = pkg(farm.get(id), "solo");
        assertThat(running.getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING);
        assertThat(running.getWorker()).isEqualTo("w2");
        assertThat(running.getFailureReason()).contains("w1 lost").contains("requeued");
        WorkerStatus lost = farm.awaitWorker("w1", WorkerState.WORKER_STATE_LOST);
        assertThat(lost.getAttemptsList()).isEmpty();
        assertThat(farm.builds()
                        .listWorkers(ListWorkersRequest.getDefaultInstance())
                        .getWorkersList())
                .extracting(WorkerStatus::getName)
                .containsExactly("w2");

        // w1 finished the old attempt while cut off; it comes back and reports it.
        Welcome welcome = w1.connect(w1.hello()
                .setNewestEpochSeen(first.getLeaderEpoch())
                .addAttempts(AttemptInfo.newBuilder()
                        .setAttemptId(first.getAttemptId())
                        .setFinished(true)));
        assertThat(welcome.getAdoptedAttemptIdsList()).isEmpty();
        ResultAck late = w1.succeed(first);

        assertThat(late.getAccepted()).isFalse();
        assertThat(late.getRejectReason()).isEqualTo(ResultRejectReason.RESULT_REJECT_REASON_SUPERSEDED_ATTEMPT);
        Build build = farm.get(id);
        assertThat(build.getState()).isEqualTo(BuildState.BUILD_STATE_RUNNING);
        assertThat(pkg(build, "solo").getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING);
        assertThat(pkg(build, "solo").getWorker()).isEqualTo("w2");
        assertThat(pkg(build, "solo").getAttemptId()).isEqualTo(second.getAttemptId());
        assertThat(pkg(build, "solo").hasArtifact()).isFalse();

        Digest artifact = w2.upload(second);
        assertThat(w2.report(FakeWorker.success(second, artifact).build()).getAccepted())
                .isTrue();
        build = farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);
        assertThat(pkg(build, "solo").getArtifact()).isEqualTo(artifact);
        assertThat(pkg(build, "solo").getAttempts()).isEqualTo(2);
    }

    @Test
    void aPackageLostMoreOftenThanAllowedFailsAsLost() throws Exception {
        farm = new TestFarm(tmp, shortLease(1));
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(TestFarm::chain)).getBuildId();
        Assign first = w1.awaitAssign();
        assertThat(first.getPackageId()).isEqualTo("a");

        w1.stopHeartbeats();
        assertThat(w1.awaitEnd().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(pkg(farm.awaitPackage(id, "a", PackageState.PACKAGE_STATE_READY), "a")
                        .getFailureReason())
                .contains("requeued");

        FakeWorker w2 = farm.connected("w2");
        Assign second = w2.awaitAssign();
        assertThat(second.getPackageId()).isEqualTo("a");
        assertThat(second.getAttemptNumber()).isEqualTo(2);
        w2.stopHeartbeats();
        assertThat(w2.awaitEnd().getCode()).isEqualTo(Status.Code.UNAVAILABLE);

        Build build = farm.awaitState(id, BuildState.BUILD_STATE_FAILED);
        PackageStatus a = pkg(build, "a");
        assertThat(a.getState()).isEqualTo(PackageState.PACKAGE_STATE_FAILED);
        assertThat(a.getFailureKind()).isEqualTo(FailureKind.FAILURE_KIND_LOST);
        assertThat(a.getFailureReason()).contains("w2 lost").contains("given up after 2 attempts");
        assertThat(pkg(build, "b").getState()).isEqualTo(PackageState.PACKAGE_STATE_SKIPPED);
        assertThat(pkg(build, "b").getSkippedBecause()).isEqualTo("a");
    }

    @Test
    void aWorkerThatReconnectsWithinItsLeaseKeepsItsAttempt() throws Exception {
        farm = new TestFarm(tmp);
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(TestFarm::chain)).getBuildId();
        Assign a = w1.awaitAssign();

        w1.breakStream();
        farm.awaitWorker("w1", WorkerState.WORKER_STATE_DISCONNECTED);
        Welcome welcome = w1.reconnect(a.getLeaderEpoch());

        assertThat(welcome.getAdoptedAttemptIdsList()).containsExactly(a.getAttemptId());
        assertThat(farm.awaitWorker("w1", WorkerState.WORKER_STATE_ACTIVE).getAttemptsList())
                .extracting(AttemptInfo::getAttemptId)
                .containsExactly(a.getAttemptId());
        w1.expectNone(MessageCase.CANCEL, QUIET);
        w1.expectNone(MessageCase.ASSIGN, Duration.ZERO);
        assertThat(w1.succeed(a).getAccepted()).isTrue();
        Assign b = w1.awaitAssign();
        assertThat(b.getPackageId()).isEqualTo("b");
        assertThat(w1.succeed(b).getAccepted()).isTrue();

        Build build = farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);
        assertThat(pkg(build, "a").getAttempts()).isEqualTo(1);
        assertThat(pkg(build, "a").getAttemptId()).isEqualTo(a.getAttemptId());
    }

    @Test
    void aWorkerThatReconnectsWithoutItsAttemptHasItStartedAgain() throws Exception {
        farm = new TestFarm(tmp);
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(b -> b.simple("solo", "1", ""))).getBuildId();
        Assign first = w1.awaitAssign();

        w1.breakStream();
        farm.awaitWorker("w1", WorkerState.WORKER_STATE_DISCONNECTED);
        Welcome welcome = w1.connect(); // a restarted agent: it runs nothing

        assertThat(welcome.getAdoptedAttemptIdsList()).isEmpty();
        Assign second = w1.awaitAssign();
        assertThat(second.getPackageId()).isEqualTo("solo");
        assertThat(second.getAttemptNumber()).isEqualTo(2);
        assertThat(w1.succeed(first).getRejectReason())
                .isEqualTo(ResultRejectReason.RESULT_REJECT_REASON_SUPERSEDED_ATTEMPT);
        assertThat(w1.succeed(second).getAccepted()).isTrue();
        farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);
    }

    @Test
    void aDrainIsRememberedWhenTheWorkerReconnects() throws Exception {
        farm = new TestFarm(tmp);
        FakeWorker w1 = farm.connected("w1");
        farm.builds().drainWorker(DrainWorkerRequest.newBuilder().setName("w1").build());
        assertThat(w1.await(MessageCase.DRAIN).getDrain().getUndrain()).isFalse();

        w1.breakStream();
        farm.awaitWorker("w1", WorkerState.WORKER_STATE_DISCONNECTED);
        w1.reconnect(farm.epoch());

        assertThat(w1.await(MessageCase.DRAIN).getDrain().getUndrain()).isFalse();
        farm.awaitWorker("w1", WorkerState.WORKER_STATE_DRAINING);
        farm.submit(farm.request(b -> b.simple("solo", "1", "")));
        w1.expectNone(MessageCase.ASSIGN, QUIET);
    }
}
