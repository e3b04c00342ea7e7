package dev.lfsfarm.coordinator.service;

import static dev.lfsfarm.coordinator.service.TestFarm.pkg;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.lfsfarm.common.artifact.ArtifactClient;
import dev.lfsfarm.common.artifact.Sha256;
import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.AttemptInfo;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.CancelAttempt;
import dev.lfsfarm.proto.v1.CancelReason;
import dev.lfsfarm.proto.v1.CoordinatorMessage.MessageCase;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.FailureKind;
import dev.lfsfarm.proto.v1.Heartbeat;
import dev.lfsfarm.proto.v1.ListWorkersRequest;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.ResultAck;
import dev.lfsfarm.proto.v1.ResultRejectReason;
import dev.lfsfarm.proto.v1.Welcome;
import dev.lfsfarm.proto.v1.WorkerMessage;
import dev.lfsfarm.proto.v1.WorkerState;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Connect stream: Hello rules, and which results are accepted. */
class WorkerServiceTest {
    private static final Duration QUIET = Duration.ofMillis(300);

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

    // ---- Hello -------------------------------------------------------------------------------

    @Test
    void helloIsAnsweredWithWelcome() throws Exception {
        Welcome welcome = farm.worker("w1").connect();

        assertThat(welcome.getLeaderEpoch()).isEqualTo(farm.epoch()).isPositive();
        assertThat(welcome.getHeartbeatInterval().getNanos()).isEqualTo(200_000_000);
        assertThat(welcome.getLeaseTimeout().getSeconds()).isEqualTo(30);
        assertThat(welcome.getAdoptedAttemptIdsList()).isEmpty();
    }

    @Test
    void aFirstMessageOtherThanHelloFailsTheStream() throws Exception {
        FakeWorker w = farm.worker("w1");
        w.open();
        w.send(WorkerMessage.newBuilder()
                .setHeartbeat(Heartbeat.newBuilder().setSequence(1))
                .build());

        Status status = w.awaitEnd();

        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status.getDescription()).contains("Hello");
        assertThat(farm.builds()
                        .listWorkers(ListWorkersRequest.newBuilder()
                                .setIncludeLost(true)
                                .build())
                        .getWorkersList())
                .isEmpty();
    }

    @Test
    void aResultBeforeHelloIsNotApplied() throws Exception {
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(b -> b.simple("solo", "1", ""))).getBuildId();
        Assign assign = w1.awaitAssign();

        FakeWorker stranger = farm.worker("stranger");
        stranger.open();
        stranger.send(WorkerMessage.newBuilder()
                .setResult(AttemptResult.newBuilder()
                        .setAttemptId(assign.getAttemptId())
                        .setEpoch(assign.getLeaderEpoch())
                        .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
                        .setFailureKind(FailureKind.FAILURE_KIND_WORKER_ERROR)
                        .setFailureReason("forged"))
                .build());

        assertThat(stranger.awaitEnd().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        // The stream was refused; the attempt must still be the real worker's to report.
        assertThat(w1.succeed(assign).getAccepted()).isTrue();
        farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);
    }

    @Test
    void helloWithoutANameIsInvalid() throws Exception {
        FakeWorker w = farm.worker("w1");
        w.open();
        w.send(WorkerMessage.newBuilder().setHello(w.hello().setName("")).build());

        assertThat(w.awaitEnd().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void aSecondAgentWithTheSameNameIsRejectedWhileTheFirstIsConnected() throws Exception {
        FakeWorker first = farm.connected("w1");
        FakeWorker second = farm.impostor("w1");
        assertThat(second.instanceId()).isNotEqualTo(first.instanceId());

        second.open();
        second.send(WorkerMessage.newBuilder().setHello(second.hello()).build());

        Status status = second.awaitEnd();
        assertThat(status.getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(status.getDescription()).contains("w1");
        // The first one is untouched: still active, and it gets the work.
        assertThat(first.streamEnded()).isFalse();
        assertThat(farm.builds()
                        .listWorkers(ListWorkersRequest.getDefaultInstance())
                        .getWorkersList())
                .singleElement()
                .satisfies(w -> assertThat(w.getState()).isEqualTo(WorkerState.WORKER_STATE_ACTIVE));
        farm.submit(farm.request(b -> b.simple("solo", "1", "")));
        assertThat(first.awaitAssign().getPackageId()).isEqualTo("solo");
    }

    @Test
    void helloFromAWorkerThatSawANewerEpochIsAborted() throws Exception {
        FakeWorker w = farm.worker("w1");
        w.open();
        w.send(WorkerMessage.newBuilder()
                .setHello(w.hello().setNewestEpochSeen(farm.epoch() + 1))
                .build());

        Status status = w.awaitEnd();

        assertThat(status.getCode()).isEqualTo(Status.Code.ABORTED);
        assertThat(status.getDescription()).contains("epoch");
        assertThat(farm.builds()
                        .listWorkers(ListWorkersRequest.getDefaultInstance())
                        .getWorkersList())
                .isEmpty();
    }

    @Test
    void helloFromAWorkerThatSawThisEpochIsWelcome() throws Exception {
        FakeWorker w1 = farm.worker("w1");
        Welcome welcome = w1.connect(w1.hello().setNewestEpochSeen(farm.epoch()));

        assertThat(welcome.getLeaderEpoch()).isEqualTo(farm.epoch());
    }

    @Test
    void anAttemptTheCoordinatorDoesNotKnowIsCancelledOnReconnect() throws Exception {
        FakeWorker w1 = farm.worker("w1");
        Welcome welcome =
                w1.connect(w1.hello().addAttempts(AttemptInfo.newBuilder().setAttemptId("0-17")));

        assertThat(welcome.getAdoptedAttemptIdsList()).isEmpty();
        CancelAttempt cancel = w1.awaitCancel();
        assertThat(cancel.getAttemptId()).isEqualTo("0-17");
        assertThat(cancel.getReason()).isEqualTo(CancelReason.CANCEL_REASON_NOT_ADOPTED);
    }

    // ---- results -----------------------------------------------------------------------------

    @Test
    void aResultForAnUnknownAttemptIsRejectedAsSuperseded() throws Exception {
        FakeWorker w1 = farm.connected("w1");

        ResultAck ack = w1.report(AttemptResult.newBuilder()
                .setAttemptId("1-999")
                .setEpoch(farm.epoch())
                .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
                .build());

        assertThat(ack.getAccepted()).isFalse();
        assertThat(ack.getRejectReason()).isEqualTo(ResultRejectReason.RESULT_REJECT_REASON_SUPERSEDED_ATTEMPT);
        assertThat(ack.getMessage()).contains("1-999");
    }

    @Test
    void aResultFromAWorkerThatDoesNotHoldTheAttemptIsRejected() throws Exception {
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(b -> b.simple("solo", "1", ""))).getBuildId();
        Assign assign = w1.awaitAssign();
        FakeWorker w2 = farm.connected("w2");

        ResultAck ack = w2.fail(assign, "not mine to report");

        assertThat(ack.getAccepted()).isFalse();
        assertThat(ack.getRejectReason()).isEqualTo(ResultRejectReason.RESULT_REJECT_REASON_UNKNOWN_ATTEMPT);
        assertThat(pkg(farm.get(id), "solo").getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING);
        assertThat(w1.succeed(assign).getAccepted()).isTrue();
        assertThat(pkg(farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED), "solo")
                        .getWorker())
                .isEqualTo("w1");
    }

    @Test
    void aSuccessWhoseArtifactIsNotStoredIsRejectedUntilItIsUploaded() throws Exception {
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(b -> b.simple("solo", "1", ""))).getBuildId();
        Assign assign = w1.awaitAssign();
        Digest never = Sha256.digest("never uploaded".getBytes(StandardCharsets.UTF_8));

        ResultAck ack = w1.report(FakeWorker.success(assign, never).build());

        assertThat(ack.getAccepted()).isFalse();
        assertThat(ack.getRejectReason()).isEqualTo(ResultRejectReason.RESULT_REJECT_REASON_ARTIFACT_MISSING);
        assertThat(ack.getMessage()).contains(never.getSha256());
        assertThat(pkg(farm.get(id), "solo").getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING);

        // The only retryable rejection: upload, then resend for the same attempt.
        Digest uploaded = w1.upload(assign);
        assertThat(w1.report(FakeWorker.success(assign, uploaded).build()).getAccepted())
                .isTrue();
        assertThat(pkg(farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED), "solo")
                        .getArtifact())
                .isEqualTo(uploaded);
    }

    @Test
    void aSmallArtifactAndManifestSentWithTheResultAreStoredAndVerified() throws Exception {
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(b -> b.simple("solo", "1", "").simple("other", "1", "")))
                .getBuildId();
        ArtifactClient store = new ArtifactClient(farm.channel());

        Assign first = w1.awaitAssign();
        byte[] archive = ("archive of " + first.getPackageId()).getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ("manifest of " + first.getPackageId()).getBytes(StandardCharsets.UTF_8);
        Digest archiveDigest = Sha256.digest(archive);
        Digest manifestDigest = Sha256.digest(manifest);
        ResultAck ack = w1.report(FakeWorker.success(first, archiveDigest)
                .setManifest(manifestDigest)
                .setArtifactInline(ByteString.copyFrom(archive))
                .setManifestInline(ByteString.copyFrom(manifest))
                .build());

        assertThat(ack.getAccepted()).isTrue();
        assertThat(store.findMissing(List.of(archiveDigest, manifestDigest))).isEmpty(); // no upload happened
        assertThat(pkg(
                                farm.awaitPackage(id, first.getPackageId(), PackageState.PACKAGE_STATE_SUCCEEDED),
                                first.getPackageId())
                        .getArtifact())
                .isEqualTo(archiveDigest);

        // Bytes that do not match their digest are not stored; the attempt failed to upload.
        Assign second = w1.awaitAssign();
        Digest claimed = Sha256.digest("what the worker claims".getBytes(StandardCharsets.UTF_8));
        ResultAck bad = w1.report(FakeWorker.success(second, claimed)
                .setArtifactInline(ByteString.copyFromUtf8("something else"))
                .build());

        assertThat(bad.getAccepted()).isTrue();
        assertThat(store.findMissing(List.of(claimed))).containsExactly(claimed);
        PackageStatus failed = pkg(
                farm.awaitPackage(id, second.getPackageId(), PackageState.PACKAGE_STATE_FAILED), second.getPackageId());
        assertThat(failed.getFailureKind()).isEqualTo(FailureKind.FAILURE_KIND_UPLOAD_FAILED);
        assertThat(failed.getFailureReason()).contains("does not match its digest");
    }

    @Test
    void theWelcomeSaysInlineArtifactsAreAccepted() throws Exception {
        assertThat(farm.worker("w1").connect().getAcceptsInlineArtifacts()).isTrue();
    }

    @Test
    void aSecondResultForTheSameAttemptIsNotAppliedAgain() throws Exception {
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(b -> b.simple("solo", "1", ""))).getBuildId();
        Assign assign = w1.awaitAssign();
        assertThat(w1.succeed(assign).getAccepted()).isTrue();
        farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);

        ResultAck again = w1.fail(assign, "late failure");

        assertThat(again.getAccepted()).isFalse();
        assertThat(pkg(farm.get(id), "solo").getState()).isEqualTo(PackageState.PACKAGE_STATE_SUCCEEDED);
        assertThat(farm.get(id).getState()).isEqualTo(BuildState.BUILD_STATE_SUCCEEDED);
        w1.expectNone(MessageCase.ASSIGN, QUIET);
    }
}
