package dev.lfsfarm.worker.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.common.leader.LeaderChannel;
import dev.lfsfarm.common.leader.StaticCoordinatorList;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.AttemptInfo;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.PlatformFacts;
import dev.lfsfarm.proto.v1.Recipe;
import dev.lfsfarm.proto.v1.WorkerMessage;
import dev.lfsfarm.worker.execute.ExecutionSettings;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent against coordinator doubles through a failover: which coordinator it finds, what its
 * Hello says, and which epoch its results carry.
 */
class WorkerAgentFailoverTest {
    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private CoordinatorDouble coordinator(String name) throws Exception {
        CoordinatorDouble c = new CoordinatorDouble(name);
        closing.add(c);
        return c;
    }

    /** An agent that finds its coordinator in {@code list}, over in-process channels. */
    private WorkerAgent agent(CoordinatorDouble... list) throws Exception {
        LeaderChannel channel = LeaderChannel.open(
                new StaticCoordinatorList(
                        java.util.Arrays.stream(list).map(c -> c.address).toList()),
                address -> InProcessChannelBuilder.forName(address)
                        .directExecutor()
                        .build());
        closing.add(channel);
        WorkerSettings settings = new WorkerSettings(
                "w1",
                1,
                1,
                512,
                Map.of(),
                Files.createDirectories(dir.resolve("work")),
                false,
                0,
                Duration.ofMillis(500));
        WorkerAgent agent = new WorkerAgent(
                settings,
                channel,
                ExecutionSettings.builder().runAsWorkerUser().cgroups(false).build(),
                PlatformFacts.getDefaultInstance());
        closing.add(agent);
        agent.start();
        return agent;
    }

    /** An attempt whose build phase waits for {@code release} to exist, then fails with status 3 (no upload needed). */
    private static Assign held(String attemptId, long epoch, Path release) {
        return Assign.newBuilder()
                .setAttemptId(attemptId)
                .setLeaderEpoch(epoch)
                .setBuildId("b1")
                .setPackageId("pkg")
                .setCores(1)
                .setMemoryMb(64)
                .setAttemptNumber(1)
                .setRecipe(Recipe.newBuilder()
                        .setId("pkg")
                        .setName("pkg")
                        .setVersion("1")
                        .putPhases("build", "while [ ! -e '" + release + "' ]; do sleep 0.02; done; exit 3"))
                .build();
    }

    private static boolean isResult(WorkerMessage m) {
        return m.hasResult();
    }

    @Test
    void aResultOfAnAttemptANewLeaderAdoptedCarriesTheNewLeadersEpoch() throws Exception {
        CoordinatorDouble a = coordinator("a");
        CoordinatorDouble b = coordinator("b");
        Path release = dir.resolve("release");
        WorkerAgent agent = agent(a, b);

        CoordinatorDouble.Session first = a.awaitSession();
        first.welcome(5);
        first.assign(held("b1/pkg/1", 5, release));
        first.await(
                "a heartbeat listing the attempt",
                m -> m.hasHeartbeat()
                        && m.getHeartbeat().getRunningAttemptIdsList().contains("b1/pkg/1"));

        // Failover: a's stream breaks and it becomes a standby for b, which leads with epoch 6.
        a.standbyFor(b.address);
        first.end(Status.UNAVAILABLE.withDescription("leader crashed"));
        CoordinatorDouble.Session second = b.awaitSession();
        assertThat(second.hello.getNewestEpochSeen()).isEqualTo(5);
        assertThat(second.hello.getAttemptsList())
                .extracting(AttemptInfo::getAttemptId, AttemptInfo::getEpoch, AttemptInfo::getFinished)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("b1/pkg/1", 5L, false));
        second.welcome(6, "b1/pkg/1");
        second.await("a heartbeat after the Welcome", WorkerMessage::hasHeartbeat);
        assertThat(agent.runningAttempts()).as("the adopted attempt still runs").isEqualTo(1);

        Files.createFile(release);
        AttemptResult result = second.await("the attempt's result", WorkerAgentFailoverTest::isResult)
                .getResult();
        assertThat(result.getAttemptId()).isEqualTo("b1/pkg/1");
        assertThat(result.getOutcome()).isEqualTo(AttemptOutcome.ATTEMPT_OUTCOME_FAILED);
        assertThat(result.getEpoch())
                .as("stamped with the adopting leader's epoch, not the Assign's")
                .isEqualTo(6);
    }

    @Test
    void anUnacknowledgedResultIsRestampedOnEachAdoption() throws Exception {
        CoordinatorDouble a = coordinator("a");
        CoordinatorDouble b = coordinator("b");
        Path release = dir.resolve("release");
        Files.createFile(release);
        agent(a, b);

        CoordinatorDouble.Session first = a.awaitSession();
        first.welcome(5);
        first.assign(held("b1/pkg/1", 5, release));
        assertThat(first.await("the result", WorkerAgentFailoverTest::isResult)
                        .getResult()
                        .getEpoch())
                .isEqualTo(5);

        // Never acknowledged: the leader dies, b adopts the finished attempt with epoch 6.
        a.standbyFor(b.address);
        first.end(Status.UNAVAILABLE);
        CoordinatorDouble.Session second = b.awaitSession();
        assertThat(second.hello.getAttemptsList())
                .extracting(AttemptInfo::getEpoch, AttemptInfo::getFinished)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(5L, true));
        second.welcome(6, "b1/pkg/1");
        assertThat(second.await("the resent result", WorkerAgentFailoverTest::isResult)
                        .getResult()
                        .getEpoch())
                .isEqualTo(6);

        // Still unacknowledged when b's stream breaks: the next Hello says it is held under epoch 6.
        second.end(Status.UNAVAILABLE);
        CoordinatorDouble.Session third = b.awaitSession();
        assertThat(third.hello.getNewestEpochSeen()).isEqualTo(6);
        assertThat(third.hello.getAttemptsList())
                .extracting(AttemptInfo::getEpoch)
                .containsExactly(6L);
        third.welcome(7, "b1/pkg/1");
        assertThat(third.await("the result again", WorkerAgentFailoverTest::isResult)
                        .getResult()
                        .getEpoch())
                .isEqualTo(7);
        third.ack("b1/pkg/1");
    }

    @Test
    void followsAStandbysRedirectAtOnceAndLeavesADeposedCoordinator() throws Exception {
        CoordinatorDouble a = coordinator("a");
        CoordinatorDouble b = coordinator("b");
        a.standbyFor(b.address);
        b.refuse(Status.ABORTED.withDescription("stale epoch: newest seen 7 > 6"));
        long started = System.nanoTime();
        agent(a, b);

        assertThat(a.awaitRefusedHello().getName()).isEqualTo("w1");
        b.awaitRefusedHello(); // redirected there at once; deposed, so the worker looks again
        b.refuse(null);
        CoordinatorDouble.Session session = b.awaitSession();
        assertThat(Duration.ofNanos(System.nanoTime() - started))
                .as("redirects are not backed off like failures")
                .isLessThan(Duration.ofSeconds(10));
        session.welcome(7);
        session.await("a heartbeat", WorkerMessage::hasHeartbeat);

        // A coordinator that welcomes with an older epoch than one seen is deposed: the worker leaves it.
        session.end(Status.UNAVAILABLE);
        a.refuse(null);
        CoordinatorDouble.Session stale = awaitSessionOnEither(a, b);
        assertThat(stale.hello.getNewestEpochSeen()).isEqualTo(7);
        stale.welcome(6);
        stale.assign(held("b1/pkg/9", 6, dir.resolve("never")));
        CoordinatorDouble.Session next = awaitSessionOnEither(a, b);
        assertThat(next.hello.getNewestEpochSeen()).isEqualTo(7);
        assertThat(next.hello.getAttemptsList())
                .as("nothing from the deposed coordinator was started")
                .isEmpty();
        next.welcome(8);
        next.await("a heartbeat", WorkerMessage::hasHeartbeat);
    }

    /** The next session on whichever double the worker connects to (list order decides). */
    private static CoordinatorDouble.Session awaitSessionOnEither(CoordinatorDouble a, CoordinatorDouble b)
            throws Exception {
        long deadline = System.nanoTime() + CoordinatorDouble.PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            CoordinatorDouble.Session s = a.pollSession(Duration.ofMillis(50));
            if (s == null) {
                s = b.pollSession(Duration.ofMillis(50));
            }
            if (s != null) {
                return s;
            }
        }
        throw new AssertionError("the worker connected to neither coordinator");
    }
}
