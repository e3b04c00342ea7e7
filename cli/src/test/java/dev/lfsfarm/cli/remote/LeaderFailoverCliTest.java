package dev.lfsfarm.cli.remote;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.lfsfarm.cli.CliRun;
import dev.lfsfarm.proto.v1.BuildEvent;
import dev.lfsfarm.proto.v1.BuildSnapshot;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.BuildStateChanged;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStateChanged;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.ResumeBuildResponse;
import dev.lfsfarm.proto.v1.StreamLogResponse;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The remote commands against two coordinators on loopback, one standing by for the other:
 * redirects, retries with the same request id, and following a build across a takeover.
 */
class LeaderFailoverCliTest {
    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private FakeCoordinator a;
    private FakeCoordinator b;

    @BeforeEach
    void start() throws Exception {
        // A failing test should not wait the CLI's full 30 s before it exits 3.
        System.setProperty("farm.retry-seconds", "10");
        a = new FakeCoordinator("alpha");
        b = new FakeCoordinator("beta");
        closing.add(a);
        closing.add(b);
    }

    @AfterEach
    void stop() throws Exception {
        System.clearProperty("farm.retry-seconds");
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private String both() {
        return a.address + "," + b.address;
    }

    @Test
    void aCallReachesTheLeaderThroughAStandby() {
        a.standbyFor(b);
        CliRun run = CliRun.of("status", "--coordinator", both());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("beta").doesNotContain("alpha");
        assertThat(a.count("ListBuilds")).isEqualTo(1);
        assertThat(b.count("ListBuilds")).isEqualTo(1);
        assertThat(run.err())
                .as("a redirect before anything was said is no change")
                .doesNotContain("coordinator changed");
    }

    @Test
    void aRetriedSubmissionCarriesTheSameRequestId() throws Exception {
        Path book = Files.createDirectories(dir.resolve("book/packages"));
        Files.writeString(book.resolveSibling("farm.yaml"), "name: t\n");
        Files.writeString(book.resolve("hello.yaml"), "version: \"1.0\"\nphases:\n  build: \"true\"\n");
        a.standbyFor(b);
        b.submitFailures.add(Status.UNAVAILABLE.withDescription("the leader is restarting"));

        CliRun run = CliRun.of("submit", dir.resolve("book").toString(), "--coordinator", both());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out().trim()).isEqualTo("b-1");
        assertThat(b.submits).as("the leader saw the failed try and the retry").hasSize(2);
        List<SubmitBuildRequest> all = new ArrayList<>(a.submits);
        all.addAll(b.submits);
        assertThat(all)
                .extracting(SubmitBuildRequest::getRequestId)
                .doesNotContain("")
                .containsOnly(all.get(0).getRequestId());
        assertThat(all.get(0).getTargetsList()).isEmpty();
    }

    @Test
    void followingGoesOnAtTheNewLeaderWithTheLastResumeToken() throws Exception {
        b.standbyFor(a);
        PackageStatus running = PackageStatus.newBuilder()
                .setPackageId("hello")
                .setState(PackageState.PACKAGE_STATE_RUNNING)
                .setWorker("w1")
                .build();
        a.watchScript = r -> new FakeCoordinator.Script<>(
                List.of(
                        event(
                                "a-1",
                                BuildEvent.newBuilder()
                                        .setSnapshot(BuildSnapshot.newBuilder().setBuild(a.build))),
                        event(
                                "a-2",
                                BuildEvent.newBuilder()
                                        .setPackageStateChanged(
                                                PackageStateChanged.newBuilder().setStatus(running)))),
                Status.UNAVAILABLE.withDescription("leader crashed"),
                () -> {
                    // The takeover: b leads now, a (back as a standby) names it.
                    b.standbyFor(null);
                    a.standbyFor(b);
                });
        b.build = a.build.toBuilder().setState(BuildState.BUILD_STATE_SUCCEEDED).build();
        b.watchScript = r -> new FakeCoordinator.Script<>(
                List.of(
                        event(
                                "b-1",
                                BuildEvent.newBuilder()
                                        .setSnapshot(BuildSnapshot.newBuilder()
                                                .setBuild(a.build)
                                                .setResync(true))),
                        event(
                                "b-2",
                                BuildEvent.newBuilder()
                                        .setBuildStateChanged(BuildStateChanged.newBuilder()
                                                .setPreviousState(BuildState.BUILD_STATE_RUNNING)
                                                .setState(BuildState.BUILD_STATE_SUCCEEDED)))),
                Status.OK,
                null);

        CliRun run = CliRun.of("status", "b-1", "--follow", "-o", "json", "--coordinator", both());

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode result = new ObjectMapper().readTree(run.out());
        assertThat(result.path("state").asText()).isEqualTo("SUCCEEDED");
        assertThat(a.watches).extracting(w -> w.getResumeToken()).startsWith("");
        assertThat(b.watches)
                .as("b was asked to go on after a's last event")
                .extracting(w -> w.getResumeToken())
                .contains("a-2");
        assertThat(run.err())
                .contains("farm: lost the coordinator at " + a.address)
                .contains("farm: coordinator changed: now " + b.address)
                .contains("resync: 0/0 done")
                .doesNotContain("Exception");
    }

    @Test
    void resumeSaysWhatItDid() throws Exception {
        a.standbyFor(b);
        b.resume = ResumeBuildResponse.newBuilder()
                .setState(BuildState.BUILD_STATE_RUNNING)
                .setResumed(true)
                .setRemaining(12)
                .build();
        CliRun resumed = CliRun.of("resume", "b-1", "--coordinator", both());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).isEqualTo("build b-1 resumed: 12 packages to go\n");

        b.resume = ResumeBuildResponse.newBuilder()
                .setState(BuildState.BUILD_STATE_RUNNING)
                .setRemaining(3)
                .build();
        CliRun already = CliRun.of("resume", "b-1", "--coordinator", both());
        assertThat(already.out()).isEqualTo("build b-1 is already RUNNING\n");

        CliRun json = CliRun.of("resume", "b-1", "-o", "json", "--coordinator", b.address);
        JsonNode doc = new ObjectMapper().readTree(json.out());
        assertThat(doc.path("build_id").asText()).isEqualTo("b-1");
        assertThat(doc.path("state").asText()).isEqualTo("RUNNING");
        assertThat(doc.path("resumed").asBoolean()).isFalse();
        assertThat(doc.path("remaining").asInt()).isEqualTo(3);
    }

    @Test
    void resumeOfAFinishedBuildIsAFailureAndOfAnUnknownOneBadInput() {
        b.resumeFailure = Status.FAILED_PRECONDITION.withDescription("build b-1 already SUCCEEDED; nothing to resume");
        CliRun finished = CliRun.of("resume", "b-1", "--coordinator", b.address);
        assertThat(finished.exitCode()).isEqualTo(1);
        assertThat(finished.err()).isEqualTo("farm: error: build b-1 already SUCCEEDED; nothing to resume\n");
        assertThat(b.count("ResumeBuild"))
                .as("an answer about the build is not retried")
                .isEqualTo(1);

        b.resumeFailure = Status.NOT_FOUND.withDescription("no build 'nope'");
        CliRun unknown = CliRun.of("resume", "nope", "--coordinator", b.address);
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).isEqualTo("farm: error: no build 'nope'\n");
    }

    @Test
    void resumeFollowsTheBuildToItsEnd() {
        b.resume = ResumeBuildResponse.newBuilder()
                .setState(BuildState.BUILD_STATE_RUNNING)
                .setResumed(true)
                .setRemaining(1)
                .build();
        b.build = b.build.toBuilder().setState(BuildState.BUILD_STATE_FAILED).build();
        b.watchScript = r -> new FakeCoordinator.Script<>(
                List.of(event(
                        "b-1",
                        BuildEvent.newBuilder()
                                .setSnapshot(BuildSnapshot.newBuilder().setBuild(b.build)))),
                Status.OK,
                null);
        CliRun run = CliRun.of("resume", "b-1", "--follow", "--coordinator", b.address);
        assertThat(run.exitCode()).as("the build failed").isEqualTo(1);
        assertThat(run.err()).startsWith("farm: build b-1 resumed: 1 packages to go\n");
        assertThat(run.out()).startsWith("Build b-1: FAILED");
    }

    @Test
    void noCoordinatorIsUnreachableOnlyAfterTheRetryTime() throws Exception {
        System.setProperty("farm.retry-seconds", "1");
        // Bound but not listening: connections are refused, and no other process can take the port
        // meanwhile (as it could once a socket that only found a free port is closed).
        int closed;
        CliRun run;
        long started;
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            closed = s.getLocalPort();
            started = System.nanoTime();
            run = CliRun.of("status", "--coordinator", "127.0.0.1:" + closed);
        }
        assertThat(run.exitCode()).isEqualTo(3);
        assertThat((System.nanoTime() - started) / 1_000_000)
                .as("it kept trying for the retry time")
                .isGreaterThanOrEqualTo(1000);
        assertThat(run.err())
                .contains("farm: no coordinator answers (127.0.0.1:" + closed + ": Connection refused")
                .contains("farm: cannot reach the coordinator: no answer from coordinator 127.0.0.1:" + closed
                        + " within 1 s")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
    }

    @Test
    void flagMistakesNameTheFlag() {
        CliRun both = CliRun.of("status", "--coordinator", a.address, "--zk", "zk1:2181");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).startsWith("farm: error: --coordinator and --zk are mutually exclusive");
        CliRun list = CliRun.of("workers", "--coordinator", a.address + ",nohost");
        assertThat(list.exitCode()).isEqualTo(2);
        assertThat(list.err())
                .isEqualTo(
                        "farm: error: --coordinator: 'nohost' is not HOST:PORT (expected HOST:PORT[,HOST:PORT...])\n");
        CliRun zk = CliRun.of("resume", "b-1", "--zk", "zk1");
        assertThat(zk.exitCode()).isEqualTo(2);
        assertThat(zk.err()).isEqualTo("farm: error: --zk: 'zk1' is not HOST:PORT[,HOST:PORT...][/chroot]\n");
        assertThat(a.calls).isEmpty();
    }

    @Test
    void flagsBeatTheEnvironmentAndZooKeeperBeatsTheList() {
        Map<String, String> env = Map.of("FARM_ZK", "zk1:2181/farm", "FARM_COORDINATOR", "a:7070,b:7070");
        assertThat(CoordinatorOptions.resolve(null, null, env::get))
                .isEqualTo(new CoordinatorOptions.Source(true, "zk1:2181/farm", "FARM_ZK"));
        assertThat(CoordinatorOptions.resolve("c:7070", null, env::get))
                .isEqualTo(new CoordinatorOptions.Source(false, "c:7070", "--coordinator"));
        assertThat(CoordinatorOptions.resolve(null, null, Map.of("FARM_COORDINATOR", "a:7070,b:7070")::get)
                        .describe())
                .isEqualTo("coordinators a:7070,b:7070");
        assertThat(CoordinatorOptions.resolve(null, null, Map.<String, String>of()::get))
                .isEqualTo(new CoordinatorOptions.Source(false, "localhost:7070", "the default"));
    }

    @Test
    void logsGoOnAtTheNewLeaderFromTheNextByte() {
        b.standbyFor(a);
        a.logScript = r -> new FakeCoordinator.Script<>(
                List.of(chunk("b-1/hello/1", 0, "hello ")),
                Status.UNAVAILABLE.withDescription("leader crashed"),
                () -> {
                    b.standbyFor(null);
                    a.standbyFor(b);
                });
        b.logScript = r -> new FakeCoordinator.Script<>(
                List.of(chunk(r.getAttemptId(), r.getOffset(), "world\n")), Status.OK, null);
        LogsCommand logs = new LogsCommand();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        logs.sink = bytes;
        CommandLine commandLine = new CommandLine(logs);
        StringWriter err = new StringWriter();
        commandLine.setErr(new PrintWriter(err, true));

        int code = commandLine.execute("b-1", "hello", "-f", "--coordinator", both());

        assertThat(code).as(err.toString()).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("hello world\n");
        assertThat(b.logRequests).last().satisfies(r -> {
            assertThat(r.getAttemptId()).isEqualTo("b-1/hello/1");
            assertThat(r.getOffset()).isEqualTo(6);
        });
    }

    private static BuildEvent event(String token, BuildEvent.Builder event) {
        return event.setResumeToken(token).build();
    }

    private static StreamLogResponse chunk(String attempt, long offset, String text) {
        return StreamLogResponse.newBuilder()
                .setAttemptId(attempt)
                .setOffset(offset)
                .setData(ByteString.copyFrom(text, StandardCharsets.UTF_8))
                .build();
    }
}
