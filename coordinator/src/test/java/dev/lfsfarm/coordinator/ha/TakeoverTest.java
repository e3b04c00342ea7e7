package dev.lfsfarm.coordinator.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.leader.CoordinatorLocator;
import dev.lfsfarm.coordinator.dispatch.DispatchSettings;
import dev.lfsfarm.coordinator.service.FakeWorker;
import dev.lfsfarm.coordinator.service.TestFarm;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.AttemptInfo;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.ListBuildsRequest;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.ResultAck;
import dev.lfsfarm.proto.v1.ResultRejectReason;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import dev.lfsfarm.proto.v1.Welcome;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two coordinators against a real ZooKeeper, on the in-process transport, with fake workers:
 * the standby refuses calls naming the leader, and a new leader continues the build from the
 * registry, re-adopting the attempt still running on a worker instead of starting it again.
 */
class TakeoverTest {
    private static final DispatchSettings SETTINGS =
            new DispatchSettings(Duration.ofMillis(200), Duration.ofSeconds(5), 2, 1 << 20, "x86_64", 60);

    @TempDir
    Path dir;

    private TestingServer zk;
    private HaPair.Node a;
    private HaPair.Node b;

    @BeforeEach
    void startZooKeeper() throws Exception {
        zk = new TestingServer(true);
    }

    @AfterEach
    void stop() throws Exception {
        for (HaPair.Node n : new HaPair.Node[] {b, a}) {
            if (n != null) {
                n.close();
            }
        }
        zk.close();
    }

    private SubmitBuildRequest chain() throws Exception {
        // TestFarm only builds the request here: a and b (b requires a)
        try (TestFarm helper = new TestFarm(dir.resolve("books"))) {
            return helper.request(TestFarm::chain).toBuilder()
                    .setRequestId("req-1")
                    .build();
        }
    }

    private static BuildServiceGrpc.BuildServiceBlockingStub builds(Channel channel) {
        return BuildServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static Build get(HaPair.Node node, String id) {
        return builds(node.channel())
                .getBuild(GetBuildRequest.newBuilder().setBuildId(id).build())
                .getBuild();
    }

    private static PackageStatus pkg(Build build, String id) {
        return build.getPackagesList().stream()
                .filter(p -> p.getPackageId().equals(id))
                .findFirst()
                .orElseThrow();
    }

    private void startBoth() throws Exception {
        a = HaPair.start(zk.getConnectString(), dir, "a", SETTINGS);
        HaPair.await("a to lead", a.server()::isLeading);
        b = HaPair.start(zk.getConnectString(), dir, "b", SETTINGS);
    }

    @Test
    void theStandbyRefusesWithTheLeadersAddress() throws Exception {
        startBoth();
        assertThatThrownBy(() -> builds(b.channel()).listBuilds(ListBuildsRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription())
                            .startsWith("not the leader; leader is ")
                            .contains("(epoch " + a.server().dispatcher().epoch() + ")");
                    assertThat(CoordinatorLocator.leaderFrom(e)).isPresent();
                });
        assertThat(b.server().isLeading()).isFalse();
    }

    @Test
    void aNewLeaderContinuesTheBuildAndReadoptsTheRunningAttempt() throws Exception {
        startBoth();
        long firstEpoch = a.server().dispatcher().epoch();
        SubmitBuildResponse submitted = builds(a.channel()).submitBuild(chain());
        String id = submitted.getBuildId();
        FakeWorker w = new FakeWorker(a.channel(), dir.resolve("w-scratch"), "w", "instance-1");
        w.connect();
        Assign first = w.awaitAssign();
        assertThat(first.getPackageId()).isEqualTo("a");
        assertThat(w.succeed(first).getAccepted()).isTrue();
        Assign second = w.awaitAssign();
        assertThat(second.getPackageId()).isEqualTo("b");

        a.close(); // a hands over: b takes the build as it is in the registry
        a = null;
        HaPair.await("b to lead", b.server()::isLeading);
        long secondEpoch = b.server().dispatcher().epoch();
        assertThat(secondEpoch).isGreaterThan(firstEpoch);
        Build restored = get(b, id);
        assertThat(restored.getState()).isEqualTo(BuildState.BUILD_STATE_RUNNING);
        assertThat(pkg(restored, "a").getState()).isEqualTo(PackageState.PACKAGE_STATE_SUCCEEDED);
        assertThat(pkg(restored, "b").getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING);
        assertThat(builds(b.channel()).submitBuild(chain()).getCreated())
                .as("the same request id is not accepted twice")
                .isFalse();

        FakeWorker again = new FakeWorker(b.channel(), dir.resolve("w-scratch"), "w", "instance-1");
        Welcome welcome = again.connect(again.hello()
                .setNewestEpochSeen(firstEpoch)
                .addAttempts(AttemptInfo.newBuilder()
                        .setAttemptId(second.getAttemptId())
                        .setCores(second.getCores())));
        assertThat(welcome.getLeaderEpoch()).isEqualTo(secondEpoch);
        assertThat(welcome.getAdoptedAttemptIdsList()).containsExactly(second.getAttemptId());
        ResultAck stale =
                again.report(FakeWorker.success(second, again.upload(second)).build());
        assertThat(stale.getRejectReason())
                .as("a result stamped with the old epoch")
                .isEqualTo(ResultRejectReason.RESULT_REJECT_REASON_STALE_EPOCH);
        ResultAck ack = again.report(FakeWorker.success(second, again.upload(second))
                .setEpoch(secondEpoch)
                .build());
        assertThat(ack.getAccepted()).isTrue();
        Build done = get(b, id);
        HaPair.await("the build to succeed", () -> get(b, id).getState() == BuildState.BUILD_STATE_SUCCEEDED);
        assertThat(pkg(get(b, id), "b").getAttempts())
                .as("b ran once, re-adopted, never restarted")
                .isEqualTo(1);
        assertThat(done.getPackagesList()).isNotEmpty();
        again.expectNone(dev.lfsfarm.proto.v1.CoordinatorMessage.MessageCase.ASSIGN, Duration.ofMillis(300));
        again.close();
        w.close();
    }

    @Test
    void anAttemptNoWorkerReportsIsRequeuedAfterTheLease() throws Exception {
        startBoth();
        String id = builds(a.channel()).submitBuild(chain()).getBuildId();
        FakeWorker w = new FakeWorker(a.channel(), dir.resolve("w-scratch"), "w", "instance-1");
        w.connect();
        Assign first = w.awaitAssign();
        w.close();
        a.close();
        a = null;
        HaPair.await("b to lead", b.server()::isLeading);
        FakeWorker fresh = new FakeWorker(b.channel(), dir.resolve("w2-scratch"), "w2");
        fresh.connect();
        HaPair.await(
                "attempt " + first.getAttemptId() + " to be given up",
                () -> pkg(get(b, id), "a").getFailureReason().contains("no worker reported"));
        Assign rerun = fresh.awaitAssign();
        assertThat(rerun.getPackageId()).isEqualTo("a");
        assertThat(rerun.getAttemptId()).isNotEqualTo(first.getAttemptId());
        assertThat(pkg(get(b, id), "a").getFailureReason())
                .contains("no worker reported attempt " + first.getAttemptId());
        fresh.close();
    }
}
