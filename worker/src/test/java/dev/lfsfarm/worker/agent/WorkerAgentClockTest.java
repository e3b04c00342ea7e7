package dev.lfsfarm.worker.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.common.leader.LeaderChannel;
import dev.lfsfarm.common.leader.StaticCoordinatorList;
import dev.lfsfarm.common.time.ManualClock;
import dev.lfsfarm.proto.v1.Assign;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent on a {@link ManualClock}: heartbeats, reconnect waits and attempt times come from the
 * injected clock, so the test decides when they are due instead of real time passing.
 */
class WorkerAgentClockTest {
    private static final Instant ORIGIN = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(ORIGIN);
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private CoordinatorDouble coordinator() throws Exception {
        CoordinatorDouble c = new CoordinatorDouble("a");
        closing.add(c);
        return c;
    }

    /** An agent on the manual clock whose reconnect waits double from 250 ms up to 2 s. */
    private WorkerAgent agent(CoordinatorDouble coordinator) throws Exception {
        LeaderChannel channel = LeaderChannel.open(
                new StaticCoordinatorList(List.of(coordinator.address)),
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
                        Duration.ofSeconds(2))
                .withTime(clock, clock);
        WorkerAgent agent = new WorkerAgent(
                settings,
                channel,
                ExecutionSettings.builder().runAsWorkerUser().cgroups(false).build(),
                PlatformFacts.getDefaultInstance());
        closing.add(agent);
        agent.start();
        return agent;
    }

    @Test
    void heartbeatsAreDueByTheInjectedClock() throws Exception {
        CoordinatorDouble a = coordinator();
        agent(a);
        CoordinatorDouble.Session session = a.awaitSession();
        Duration interval = Duration.ofMinutes(10); // real time would not bring one within the test
        session.welcome(5, interval);
        // The agent may take the Welcome after the clock moved: move it until the first beat comes.
        WorkerMessage first = null;
        for (int i = 0; i < 20 && first == null; i++) {
            clock.advance(interval);
            first = session.poll(WorkerMessage::hasHeartbeat, Duration.ofMillis(600));
        }
        assertThat(first)
                .as("a heartbeat once the manual clock passed the interval")
                .isNotNull();
        assertThat(first.getHeartbeat().getSequence()).isEqualTo(1);
        clock.advance(interval);
        assertThat(session.await("the second heartbeat", WorkerMessage::hasHeartbeat)
                        .getHeartbeat()
                        .getSequence())
                .isEqualTo(2);
    }

    @Test
    void reconnectsWaitOutTheBackoffOnTheInjectedClockAndAWelcomeResetsIt() throws Exception {
        CoordinatorDouble a = coordinator();
        a.refuse(Status.UNAVAILABLE.withDescription("between roles"));
        agent(a);
        a.awaitRefusedHello();

        // Lower bounds: the worker cannot say Hello before the manual clock reached its due time.
        // Upper bounds leave room for the worker taking a refusal after the clock already moved.
        assertThat(untilNextHello(a, Duration.ofMillis(240)))
                .as("the first wait: 250 ms and up to a quarter more")
                .isBetween(Duration.ofMillis(250), Duration.ofMillis(1000));
        assertThat(untilNextHello(a, Duration.ofMillis(490)))
                .as("the second wait doubles")
                .isBetween(Duration.ofMillis(500), Duration.ofMillis(1500));

        a.refuse(null);
        CoordinatorDouble.Session session = null;
        for (int i = 0; i < 20 && session == null; i++) {
            clock.advance(Duration.ofMillis(500)); // the third wait is 1 s and its jitter
            session = a.pollSession(Duration.ofMillis(600));
        }
        assertThat(session).as("a session once the clock passed the third wait").isNotNull();
        a.refuse(Status.UNAVAILABLE.withDescription("between roles"));
        session.welcome(5, Duration.ofHours(1));
        session.end(Status.UNAVAILABLE.withDescription("leader crashed"));
        assertThat(untilNextHello(a, Duration.ofMillis(240)))
                .as("after a Welcome the wait starts over (else it would be the 2 s cap)")
                .isBetween(Duration.ofMillis(250), Duration.ofMillis(1000));
    }

    @Test
    void anAttemptIsTimedByTheInjectedClock() throws Exception {
        CoordinatorDouble a = coordinator();
        agent(a);
        CoordinatorDouble.Session session = a.awaitSession();
        session.welcome(5, Duration.ofHours(1));
        clock.advance(Duration.ofMinutes(3));
        session.assign(Assign.newBuilder()
                .setAttemptId("b1/pkg/1")
                .setLeaderEpoch(5)
                .setBuildId("b1")
                .setPackageId("pkg")
                .setCores(1)
                .setMemoryMb(64)
                .setAttemptNumber(1)
                .setRecipe(Recipe.newBuilder()
                        .setId("pkg")
                        .setName("pkg")
                        .setVersion("1")
                        .putPhases("build", "exit 3"))
                .build());
        AttemptResult result =
                session.await("the result", WorkerMessage::hasResult).getResult();
        Instant started = Instant.ofEpochSecond(
                result.getStartedAt().getSeconds(), result.getStartedAt().getNanos());
        Instant finished = Instant.ofEpochSecond(
                result.getFinishedAt().getSeconds(), result.getFinishedAt().getNanos());
        assertThat(started).isEqualTo(ORIGIN.plus(Duration.ofMinutes(3)));
        assertThat(finished).isEqualTo(started);
    }

    /**
     * Moves the clock by {@code first}, then in 25 ms steps, until the worker says Hello again, and
     * returns how far the clock moved. The worker cannot have sent it before the clock reached its
     * due time, so that is a lower bound; each step gives the worker 600 ms of real time to look (it looks every 200 ms).
     */
    private Duration untilNextHello(CoordinatorDouble a, Duration first) throws InterruptedException {
        Duration moved = first;
        clock.advance(first);
        Duration step = Duration.ofMillis(25);
        while (a.pollRefusedHello(Duration.ofMillis(600)) == null) {
            if (moved.compareTo(Duration.ofSeconds(5)) > 0) {
                throw new AssertionError("no reconnect within " + moved + " of the manual clock");
            }
            clock.advance(step);
            moved = moved.plus(step);
        }
        return moved;
    }
}
