package dev.lfsfarm.coordinator.ha;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.coordinator.dispatch.DispatchSettings;
import dev.lfsfarm.coordinator.service.FakeWorker;
import dev.lfsfarm.coordinator.service.TestFarm;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.AttemptInfo;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.GetBuildRequest;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import dev.lfsfarm.proto.v1.Welcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ZooKeeper faults under a running build, on a real 3-member ensemble (curator-test's
 * TestingCluster): losing one member changes nothing; expiring the leader's session (ZooKeeper's
 * own test hook) moves leadership under a new epoch, and the build completes without the running
 * package starting again.
 */
class ZooKeeperFaultsTest {
    private static final DispatchSettings SETTINGS =
            new DispatchSettings(Duration.ofMillis(200), Duration.ofSeconds(5), 2, 1 << 20, "x86_64", 60);

    @TempDir
    Path dir;

    private TestingCluster zk;
    private HaPair.Node a;
    private HaPair.Node b;

    @BeforeEach
    void start() throws Exception {
        zk = new TestingCluster(3);
        zk.start();
        a = HaPair.start(zk.getConnectString(), dir, "a", SETTINGS);
        HaPair.await("a to lead", a.server()::isLeading);
        b = HaPair.start(zk.getConnectString(), dir, "b", SETTINGS);
    }

    @AfterEach
    void stop() throws Exception {
        for (HaPair.Node n : List.of(b, a)) {
            n.close();
        }
        zk.close();
    }

    private SubmitBuildRequest chain() throws Exception {
        try (TestFarm helper = new TestFarm(dir.resolve("books"))) {
            return helper.request(TestFarm::chain);
        }
    }

    private static Build get(HaPair.Node node, String id) {
        return BuildServiceGrpc.newBlockingStub(node.channel())
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getBuild(GetBuildRequest.newBuilder().setBuildId(id).build())
                .getBuild();
    }

    @Test
    void oneMemberDownChangesNothingAndAnExpiredSessionMovesLeadership() throws Exception {
        String id = BuildServiceGrpc.newBlockingStub(a.channel())
                .submitBuild(chain())
                .getBuildId();
        FakeWorker w = new FakeWorker(a.channel(), dir.resolve("w"), "w", "instance-1");
        w.connect();
        Assign first = w.awaitAssign();

        InstanceSpec victim = zk.getInstances().iterator().next();
        assertThat(zk.killServer(victim)).isTrue();
        assertThat(w.succeed(first).getAccepted())
                .as("a result after a member died")
                .isTrue();
        Assign second = w.awaitAssign();
        assertThat(second.getPackageId()).isEqualTo("b");
        assertThat(a.server().isLeading()).isTrue();
        long epoch = a.server().dispatcher().epoch();

        a.server()
                .zooKeeper()
                .orElseThrow()
                .getZookeeperClient()
                .getZooKeeper()
                .getTestable()
                .injectSessionExpiration();
        HaPair.await(
                "a to step down",
                () -> !a.server().isLeading() || a.server().dispatcher().epoch() > epoch);
        HaPair.await("a new term", () -> leaderEpoch() > epoch);
        HaPair.Node leader = a.server().isLeading() ? a : b;

        FakeWorker again = new FakeWorker(leader.channel(), dir.resolve("w"), "w", "instance-1");
        Welcome welcome = again.connect(again.hello()
                .setNewestEpochSeen(epoch)
                .addAttempts(AttemptInfo.newBuilder()
                        .setAttemptId(second.getAttemptId())
                        .setCores(second.getCores())));
        assertThat(welcome.getAdoptedAttemptIdsList()).containsExactly(second.getAttemptId());
        assertThat(again.report(FakeWorker.success(second, again.upload(second))
                                .setEpoch(welcome.getLeaderEpoch())
                                .build())
                        .getAccepted())
                .isTrue();
        HaPair.await("the build to succeed", () -> get(leader, id).getState() == BuildState.BUILD_STATE_SUCCEEDED);
        assertThat(get(leader, id).getPackagesList())
                .allSatisfy(p -> assertThat(p.getAttempts()).isEqualTo(1));
        again.close();
        w.close();
    }

    private long leaderEpoch() {
        for (HaPair.Node n : List.of(a, b)) {
            if (n.server().isLeading()) {
                return n.server().dispatcher().epoch();
            }
        }
        return 0;
    }
}
