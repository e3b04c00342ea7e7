package dev.lfsfarm.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lfsfarm.common.testing.BookFixture;
import dev.lfsfarm.common.zk.ActiveLeader;
import dev.lfsfarm.common.zk.ZkPaths;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildRecord;
import dev.lfsfarm.proto.v1.BuildServiceGrpc;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.ListBuildsRequest;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two coordinator JVMs, two worker JVMs and a 3-member {@code farm zk} ensemble, building 32
 * packages (4 chains of 8). The active coordinator is killed (kill -9) or frozen (SIGSTOP longer
 * than its session timeout) in the middle of the build: the standby takes over, the build
 * completes, and no package is executed twice (every phase appends to a marks file outside the
 * workspaces). A frozen leader that wakes up again dispatches and writes nothing and stands by.
 */
class HaFailoverIT {
    private static final int PACKAGES = 32;
    private static final int CHAINS = 4;

    @TempDir
    Path dir;

    HaFarm farm;
    Marks marks;
    Path book;

    @BeforeEach
    void start(TestInfo test) {
        farm = new HaFarm(
                dir.resolve("farm"),
                getClass().getSimpleName() + "."
                        + test.getTestMethod().orElseThrow().getName());
        marks = Marks.in(dir);
        book = book();
        farm.startEnsemble();
        farm.startCoordinator("coord-a");
        farm.awaitLeader("coord-a leads", l -> l.name().equals("coord-a"));
        farm.startCoordinator("coord-b");
        farm.startWorker("w1");
        farm.startWorker("w2");
    }

    @AfterEach
    void stop() {
        farm.close();
    }

    private Path book() {
        BookFixture fixture = new BookFixture(dir.resolve("book")).book("name: ha\n" + marks.defaultsEnv());
        for (int i = 0; i < PACKAGES; i++) {
            String id = String.format("p%02d", i);
            String depends = i < CHAINS ? "" : String.format("depends: {required: [p%02d]}%n", i - CHAINS);
            fixture.recipe(id, "version: \"1.0\"\nsbu: 0.5\n" + depends + """
                    phases:
                      build: |
                        echo "start %1$s" >> "$MARKS"
                        sleep 0.7
                      install: |
                        mkdir -p "$DESTDIR/usr/share/%1$s" && echo %1$s > "$DESTDIR/usr/share/%1$s/built"
                        echo "done %1$s" >> "$MARKS"
                    """.formatted(id));
        }
        return fixture.root();
    }

    private String submit() {
        CliResult r = farm.cli("coord-a", "submit", book.toString(), "-o", "json");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        JsonNode json = r.json();
        return json.path("build_id").asText(json.path("buildId").asText());
    }

    private static long count(Build b, PackageState s) {
        return b.getPackagesList().stream().filter(p -> p.getState() == s).count();
    }

    /** Waits until a third of the packages succeeded and some run: the middle of the build. */
    private Build awaitMiddle(String id) {
        return farm.await("the build is in its middle", () -> {
            Build b = farm.build(id);
            return b != null
                            && count(b, PackageState.PACKAGE_STATE_SUCCEEDED) >= PACKAGES / 3
                            && count(b, PackageState.PACKAGE_STATE_RUNNING) > 0
                    ? b
                    : null;
        });
    }

    private Build awaitSucceeded(String id) {
        return farm.await("the build succeeds", () -> {
            Build b = farm.build(id);
            return b != null && b.getState() == BuildState.BUILD_STATE_SUCCEEDED ? b : null;
        });
    }

    /** Every package's build phase started exactly once and finished exactly once, on the workers. */
    private void assertEachPackageRanOnce() {
        Map<String, Long> lines =
                marks.lines().stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        for (int i = 0; i < PACKAGES; i++) {
            String id = String.format("p%02d", i);
            assertThat(lines.getOrDefault("start " + id, 0L))
                    .as("executions of " + id + "\n" + marks)
                    .isEqualTo(1L);
            assertThat(lines.getOrDefault("done " + id, 0L))
                    .as("successes of " + id)
                    .isEqualTo(1L);
        }
    }

    @Test
    void killingTheLeaderMidBuildLetsTheStandbyFinishWithoutRepeatingWork() {
        String id = submit();
        Build middle = awaitMiddle(id);
        List<String> doneBefore = middle.getPackagesList().stream()
                .filter(p -> p.getState() == PackageState.PACKAGE_STATE_SUCCEEDED)
                .map(PackageStatus::getPackageId)
                .toList();
        long oldEpoch = farm.leader().orElseThrow().epoch();

        farm.coordinator("coord-a").kill();
        ActiveLeader next = farm.awaitLeader("coord-b takes over", l -> l.name().equals("coord-b"));
        assertThat(next.epoch()).isGreaterThan(oldEpoch);
        Build done = awaitSucceeded(id);

        assertEachPackageRanOnce();
        for (PackageStatus p : done.getPackagesList()) {
            assertThat(p.getState()).isEqualTo(PackageState.PACKAGE_STATE_SUCCEEDED);
            if (doneBefore.contains(p.getPackageId())) {
                assertThat(p.getAttemptId())
                        .as(p.getPackageId() + " finished before the kill keeps its attempt")
                        .startsWith(oldEpoch + "-");
            }
        }
        assertThat(farm.coordinator("coord-b").output()).contains("restored 1 builds from the registry");
    }

    @Test
    void aFrozenLeaderIsFencedOffAndStandsByWhenItWakesUp() throws Exception {
        String id = submit();
        awaitMiddle(id);
        long oldEpoch = farm.leader().orElseThrow().epoch();
        FarmProcess old = farm.coordinator("coord-a");

        HaFarm.signal(old, "STOP");
        ActiveLeader next = farm.awaitLeader(
                "coord-b takes over while coord-a is frozen", l -> l.name().equals("coord-b"));
        // Frozen well past its session timeout, and past the point where the standby dispatched.
        farm.await("coord-b dispatches under epoch " + next.epoch(), () -> {
            Build b = farm.build(id);
            return b != null
                            && b.getPackagesList().stream()
                                    .anyMatch(p -> p.getAttemptId().startsWith(next.epoch() + "-"))
                    ? b
                    : null;
        });
        HaFarm.signal(old, "CONT");

        String wokeUp = farm.await("coord-a notices it was deposed and stands by", () -> {
            String out = old.output();
            return out.contains("stepped down from epoch " + oldEpoch) ? out : null;
        });
        assertThat(wokeUp).containsAnyOf("fenced off", "ZooKeeper connection LOST");
        Build done = awaitSucceeded(id);
        assertThat(done.getPackagesCount()).isEqualTo(PACKAGES);
        assertEachPackageRanOnce();
        assertNoDispatchUnderTheOldEpochAfterTheTakeover(oldEpoch, next.epoch());

        // It rejoined as a standby: it answers with the new leader's address.
        ManagedChannel channel = NettyChannelBuilder.forTarget(farm.address("coord-a"))
                .usePlaintext()
                .build();
        try {
            StatusRuntimeException refused = farm.await("coord-a answers as a standby", () -> {
                try {
                    BuildServiceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(5, TimeUnit.SECONDS)
                            .listBuilds(ListBuildsRequest.getDefaultInstance());
                    return null;
                } catch (StatusRuntimeException e) {
                    return e.getStatus().getCode() == Status.Code.FAILED_PRECONDITION ? e : null;
                }
            });
            assertThat(refused.getStatus().getDescription()).contains(farm.address("coord-b"));
        } finally {
            channel.shutdownNow();
        }
        BuildRecord meta = BuildRecord.parseFrom(farm.zooKeeper().getData().forPath(ZkPaths.buildMeta(id)));
        assertThat(meta.getWrittenEpoch())
                .as("the last registry write of the build")
                .isGreaterThanOrEqualTo(next.epoch());
    }

    /** In each worker's log, once it has seen the new epoch, no attempt of the old epoch starts. */
    private void assertNoDispatchUnderTheOldEpochAfterTheTakeover(long oldEpoch, long newEpoch) {
        for (String worker : List.of("w1", "w2")) {
            String log = farm.worker(worker).output();
            int seenNew = log.indexOf("(epoch " + newEpoch + ")");
            if (seenNew < 0) {
                seenNew = log.indexOf("attempt " + newEpoch + "-");
            }
            assertThat(seenNew)
                    .as(worker + " reached the new leader\n" + Farm.tail(log, 3000))
                    .isGreaterThanOrEqualTo(0);
            String after = log.substring(seenNew);
            assertThat(after)
                    .as(worker + ": an attempt of the deposed leader after the takeover")
                    .doesNotContain("(attempt " + oldEpoch + "-")
                    .doesNotContain("from a deposed coordinator");
        }
    }
}
