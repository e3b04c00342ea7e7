package dev.lfsfarm.coordinator.service;

import static dev.lfsfarm.coordinator.service.TestFarm.pkg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.proto.v1.Assign;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildEvent;
import dev.lfsfarm.proto.v1.BuildProgress;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.CancelAttempt;
import dev.lfsfarm.proto.v1.CancelBuildRequest;
import dev.lfsfarm.proto.v1.CancelReason;
import dev.lfsfarm.proto.v1.CoordinatorMessage.MessageCase;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.DrainWorkerRequest;
import dev.lfsfarm.proto.v1.DrainWorkerResponse;
import dev.lfsfarm.proto.v1.ExplainPendingRequest;
import dev.lfsfarm.proto.v1.ExplainPendingResponse;
import dev.lfsfarm.proto.v1.FailureKind;
import dev.lfsfarm.proto.v1.ListBuildsRequest;
import dev.lfsfarm.proto.v1.ListBuildsResponse;
import dev.lfsfarm.proto.v1.ListWorkersRequest;
import dev.lfsfarm.proto.v1.ListWorkersResponse;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.PackageStatus;
import dev.lfsfarm.proto.v1.PendingExplanation;
import dev.lfsfarm.proto.v1.PendingReasonKind;
import dev.lfsfarm.proto.v1.ResultAck;
import dev.lfsfarm.proto.v1.RetryBuildRequest;
import dev.lfsfarm.proto.v1.RetryBuildResponse;
import dev.lfsfarm.proto.v1.StreamLogRequest;
import dev.lfsfarm.proto.v1.StreamLogResponse;
import dev.lfsfarm.proto.v1.SubmitBuildResponse;
import dev.lfsfarm.proto.v1.WatchBuildRequest;
import dev.lfsfarm.proto.v1.WorkerState;
import dev.lfsfarm.proto.v1.WorkerStatus;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BuildService happy paths against an in-process coordinator, with fake workers doing the builds. */
class BuildServiceTest {
    /** How long the tests watch for something that must not happen. */
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

    // ---- submit, get, list -------------------------------------------------------------------

    @Test
    void aBuildGoesFromWaitingAndReadyThroughRunningToSucceeded() throws Exception {
        SubmitBuildResponse submitted = farm.submit(farm.request(TestFarm::chain));

        assertThat(submitted.getBuildId()).isNotEmpty();
        assertThat(submitted.getCreated()).isTrue();
        assertThat(submitted.getTotalPackages()).isEqualTo(2);
        String id = submitted.getBuildId();

        Build build = farm.get(id);
        assertThat(build.getBookName()).isEqualTo("test");
        assertThat(build.getState()).isEqualTo(BuildState.BUILD_STATE_RUNNING);
        assertThat(pkg(build, "a").getState()).isEqualTo(PackageState.PACKAGE_STATE_READY);
        assertThat(pkg(build, "b").getState()).isEqualTo(PackageState.PACKAGE_STATE_WAITING);
        assertThat(build.getProgress().getTotal()).isEqualTo(2);

        FakeWorker w1 = farm.connected("w1");
        Assign a = w1.awaitAssign();
        assertThat(a.getBuildId()).isEqualTo(id);
        assertThat(a.getPackageId()).isEqualTo("a");
        assertThat(a.getAttemptNumber()).isEqualTo(1);
        assertThat(a.getLeaderEpoch()).isEqualTo(farm.epoch());
        assertThat(a.getDependenciesList()).isEmpty();
        build = farm.get(id);
        assertThat(pkg(build, "a").getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING);
        assertThat(pkg(build, "a").getWorker()).isEqualTo("w1");
        assertThat(pkg(build, "a").getAttemptId()).isEqualTo(a.getAttemptId());
        assertThat(pkg(build, "b").getState()).isEqualTo(PackageState.PACKAGE_STATE_WAITING);

        Digest artifactA = w1.upload(a);
        ResultAck ack = w1.report(FakeWorker.success(a, artifactA).build());
        assertThat(ack.getAccepted()).isTrue();

        Assign b = w1.awaitAssign();
        assertThat(b.getPackageId()).isEqualTo("b");
        assertThat(b.getDependenciesList()).singleElement().satisfies(d -> {
            assertThat(d.getPackageId()).isEqualTo("a");
            assertThat(d.getArtifact()).isEqualTo(artifactA);
        });
        build = farm.get(id);
        assertThat(pkg(build, "a").getState()).isEqualTo(PackageState.PACKAGE_STATE_SUCCEEDED);
        assertThat(pkg(build, "a").getArtifact()).isEqualTo(artifactA);
        assertThat(pkg(build, "b").getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING);

        assertThat(w1.succeed(b).getAccepted()).isTrue();
        build = farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);
        assertThat(build.getPackagesList())
                .extracting(p -> p.getState())
                .containsOnly(PackageState.PACKAGE_STATE_SUCCEEDED);
        assertThat(build.getProgress().getSucceeded()).isEqualTo(2);
        assertThat(build.getProgress().getDone()).isEqualTo(2);
        assertThat(build.hasFinishedAt()).isTrue();
    }

    @Test
    void getBuildListsPackagesDependenciesFirstWithTheirDirectDependencies() throws Exception {
        // book order is alphabetical: "app" comes before the "zlib" it needs
        String id = farm.submit(farm.request(b -> b.simple("zlib", "1", "")
                        .simple("app", "1", "required: [zlib]")
                        .simple("doc", "1", "")))
                .getBuildId();
        Build build = farm.get(id);
        assertThat(build.getPackagesList())
                .extracting(PackageStatus::getPackageId)
                .containsExactly("doc", "zlib", "app");
        assertThat(build.getPackages(2).getDependsOnList()).containsExactly("zlib");
    }

    @Test
    void listBuildsListsSubmittedBuildsNewestFirstAndFiltersByState() throws Exception {
        String first = farm.submit(farm.request(TestFarm::chain)).getBuildId();
        String second =
                farm.submit(farm.request(b -> b.simple("solo", "1", ""))).getBuildId();

        ListBuildsResponse all = farm.builds().listBuilds(ListBuildsRequest.getDefaultInstance());
        assertThat(all.getBuildsList()).extracting(Build::getBuildId).containsExactly(second, first);
        assertThat(all.getBuildsList())
                .allSatisfy(b -> assertThat(b.getPackagesList()).isEmpty());
        assertThat(all.getBuildsList()).extracting(Build::getState).containsOnly(BuildState.BUILD_STATE_RUNNING);

        assertThat(farm.builds()
                        .listBuilds(ListBuildsRequest.newBuilder()
                                .addStates(BuildState.BUILD_STATE_RUNNING)
                                .build())
                        .getBuildsCount())
                .isEqualTo(2);
        assertThat(farm.builds()
                        .listBuilds(ListBuildsRequest.newBuilder()
                                .addStates(BuildState.BUILD_STATE_FAILED)
                                .build())
                        .getBuildsList())
                .isEmpty();
    }

    // ---- watch -------------------------------------------------------------------------------

    @Test
    void watchBuildStreamsASnapshotThenChangesAndEndsWithTheBuild() throws Exception {
        String id = farm.submit(farm.request(TestFarm::chain)).getBuildId();
        Watch watch = new Watch();
        farm.buildsAsync()
                .watchBuild(WatchBuildRequest.newBuilder().setBuildId(id).build(), watch);

        BuildEvent snapshot = watch.next();
        assertThat(snapshot.hasSnapshot()).isTrue();
        assertThat(snapshot.getSnapshot().getBuild().getBuildId()).isEqualTo(id);
        assertThat(snapshot.getSnapshot().getBuild().getPackagesCount()).isEqualTo(2);

        FakeWorker w1 = farm.connected("w1");
        assertThat(w1.succeed(w1.awaitAssign()).getAccepted()).isTrue();
        assertThat(w1.succeed(w1.awaitAssign()).getAccepted()).isTrue();

        assertThat(watch.end.get(10, TimeUnit.SECONDS))
                .extracting(Status::getCode)
                .isEqualTo(Status.Code.OK);
        List<BuildEvent> events = new ArrayList<>(List.of(snapshot));
        watch.events.drainTo(events);
        assertThat(events).extracting(BuildEvent::getSequence).isSorted().doesNotHaveDuplicates();
        assertThat(events).allSatisfy(e -> assertThat(e.getLeaderEpoch()).isEqualTo(farm.epoch()));
        List<String> changes = events.stream()
                .filter(BuildEvent::hasPackageStateChanged)
                .map(e -> e.getPackageStateChanged().getStatus())
                .map(s -> s.getPackageId() + " " + s.getState().name().replace("PACKAGE_STATE_", ""))
                .toList();
        assertThat(changes).containsSubsequence("a RUNNING", "a SUCCEEDED", "b READY", "b RUNNING", "b SUCCEEDED");
        BuildEvent last = events.get(events.size() - 1);
        assertThat(last.hasBuildStateChanged()).isTrue();
        assertThat(last.getBuildStateChanged().getPreviousState()).isEqualTo(BuildState.BUILD_STATE_RUNNING);
        assertThat(last.getBuildStateChanged().getState()).isEqualTo(BuildState.BUILD_STATE_SUCCEEDED);
        assertThat(events.stream()
                        .filter(BuildEvent::hasProgress)
                        .reduce((x, y) -> y)
                        .orElseThrow()
                        .getProgress()
                        .getSucceeded())
                .isEqualTo(2);
    }

    @Test
    void watchingAFinishedBuildSendsTheSnapshotAndEnds() throws Exception {
        String id = farm.submit(farm.request(b -> b.simple("solo", "1", ""))).getBuildId();
        FakeWorker w1 = farm.connected("w1");
        w1.succeed(w1.awaitAssign());
        farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);

        Watch watch = new Watch();
        farm.buildsAsync()
                .watchBuild(WatchBuildRequest.newBuilder().setBuildId(id).build(), watch);

        assertThat(watch.end.get(10, TimeUnit.SECONDS))
                .extracting(Status::getCode)
                .isEqualTo(Status.Code.OK);
        assertThat(watch.events)
                .singleElement()
                .satisfies(e ->
                        assertThat(e.getSnapshot().getBuild().getState()).isEqualTo(BuildState.BUILD_STATE_SUCCEEDED));
    }

    @Test
    void progressEventsAreCoalescedAndTheLastCountsAlwaysArrive() throws Exception {
        int n = 30;
        String id = farm.submit(farm.request(book -> {
                    for (int i = 0; i < n; i++) {
                        book.simple("p" + i, "1.0", "");
                    }
                }))
                .getBuildId();
        Watch watch = new Watch();
        farm.buildsAsync()
                .watchBuild(WatchBuildRequest.newBuilder().setBuildId(id).build(), watch);
        assertThat(watch.next().hasSnapshot()).isTrue();

        long start = System.nanoTime();
        FakeWorker w1 = farm.connected("w1");
        for (int i = 0; i < n; i++) {
            assertThat(w1.succeed(w1.awaitAssign()).getAccepted()).isTrue();
        }
        assertThat(watch.end.get(10, TimeUnit.SECONDS))
                .extracting(Status::getCode)
                .isEqualTo(Status.Code.OK);
        double seconds = (System.nanoTime() - start) / 1e9;

        List<BuildEvent> events = new ArrayList<>();
        watch.events.drainTo(events);
        List<BuildProgress> progress = events.stream()
                .filter(BuildEvent::hasProgress)
                .map(BuildEvent::getProgress)
                .toList();
        long changes =
                events.stream().filter(BuildEvent::hasPackageStateChanged).count();
        assertThat(changes).isGreaterThanOrEqualTo(2L * n); // every RUNNING and SUCCEEDED, none coalesced
        // One per 200 ms at most, plus the first and the final one; far fewer than one per change.
        assertThat(progress.size())
                .isLessThanOrEqualTo((int) (seconds / 0.2) + 2)
                .isLessThan((int) changes);
        assertThat(progress.get(progress.size() - 1).getSucceeded()).isEqualTo(n);
        assertThat(events.get(events.size() - 1).hasBuildStateChanged()).isTrue();
    }

    // ---- workers -----------------------------------------------------------------------------

    @Test
    void listWorkersShowsAnActiveWorkerWithItsAttempt() throws Exception {
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(TestFarm::chain)).getBuildId();
        Assign a = w1.awaitAssign();

        ListWorkersResponse workers = farm.builds().listWorkers(ListWorkersRequest.getDefaultInstance());

        assertThat(workers.getLeaderEpoch()).isEqualTo(farm.epoch());
        WorkerStatus w = workers.getWorkersList().stream()
                .filter(s -> s.getName().equals("w1"))
                .findFirst()
                .orElseThrow();
        assertThat(w.getState()).isEqualTo(WorkerState.WORKER_STATE_ACTIVE);
        assertThat(w.getCapacity().getSlots()).isEqualTo(2);
        assertThat(w.getPlatform().getArch()).isEqualTo("x86_64");
        assertThat(w.getFree().getSlots()).isEqualTo(1);
        assertThat(w.getAttemptsList()).singleElement().satisfies(info -> {
            assertThat(info.getAttemptId()).isEqualTo(a.getAttemptId());
            assertThat(info.getBuildId()).isEqualTo(id);
            assertThat(info.getPackageId()).isEqualTo("a");
        });
    }

    @Test
    void aDrainedWorkerGetsNoNewWorkUntilUndrained() throws Exception {
        FakeWorker w1 = farm.connected("w1");

        DrainWorkerResponse drained = farm.builds()
                .drainWorker(DrainWorkerRequest.newBuilder()
                        .setName("w1")
                        .setReason("kernel upgrade")
                        .build());
        assertThat(drained.getWorker().getState()).isEqualTo(WorkerState.WORKER_STATE_DRAINING);
        assertThat(w1.await(MessageCase.DRAIN).getDrain().getUndrain()).isFalse();

        String id = farm.submit(farm.request(b -> b.simple("solo", "1", ""))).getBuildId();
        // The submit was answered after its dispatch ran: had it placed the package, it would be RUNNING.
        assertThat(pkg(farm.get(id), "solo").getState()).isEqualTo(PackageState.PACKAGE_STATE_READY);
        w1.expectNone(MessageCase.ASSIGN, QUIET);
        assertThat(farm.builds()
                        .listWorkers(ListWorkersRequest.getDefaultInstance())
                        .getWorkers(0)
                        .getState())
                .isEqualTo(WorkerState.WORKER_STATE_DRAINING);

        DrainWorkerResponse undrained = farm.builds()
                .drainWorker(DrainWorkerRequest.newBuilder()
                        .setName("w1")
                        .setUndrain(true)
                        .build());
        assertThat(undrained.getWorker().getState()).isEqualTo(WorkerState.WORKER_STATE_ACTIVE);
        assertThat(w1.await(MessageCase.DRAIN).getDrain().getUndrain()).isTrue();
        Assign assign = w1.awaitAssign();
        assertThat(assign.getBuildId()).isEqualTo(id);
        assertThat(assign.getPackageId()).isEqualTo("solo");
    }

    // ---- explain -----------------------------------------------------------------------------

    @Test
    void explainPendingNamesTheDependencyAWaitingPackageWaitsOnAndTheMissingWorkers() throws Exception {
        String id = farm.submit(farm.request(TestFarm::chain)).getBuildId();

        ExplainPendingResponse response = farm.builds()
                .explainPending(ExplainPendingRequest.newBuilder()
                        .setBuildId(id)
                        .addPackageIds("b")
                        .addPackageIds("a")
                        .build());

        PendingExplanation b = explanation(response, "b");
        assertThat(b.getReasonsList()).singleElement().satisfies(r -> {
            assertThat(r.getKind()).isEqualTo(PendingReasonKind.PENDING_REASON_KIND_WAITING_ON_DEPENDENCIES);
            assertThat(r.getMessage()).startsWith("waiting on").contains("a (READY)");
        });
        PendingExplanation a = explanation(response, "a");
        assertThat(a.getReasonsList()).singleElement().satisfies(r -> {
            assertThat(r.getKind()).isEqualTo(PendingReasonKind.PENDING_REASON_KIND_NO_WORKERS);
            assertThat(r.getMessage()).isEqualTo("no workers connected");
        });

        FakeWorker w1 = farm.connected("w1");
        w1.awaitAssign();
        response = farm.builds()
                .explainPending(ExplainPendingRequest.newBuilder()
                        .setBuildId(id)
                        .addPackageIds("b")
                        .build());
        assertThat(explanation(response, "b").getReasons(0).getMessage()).contains("a (RUNNING)");
    }

    @Test
    void explainPendingWithoutPackageIdsExplainsEveryWaitingAndReadyPackage() throws Exception {
        String id = farm.submit(farm.request(TestFarm::chain)).getBuildId();

        ExplainPendingResponse response = farm.builds()
                .explainPending(
                        ExplainPendingRequest.newBuilder().setBuildId(id).build());

        assertThat(response.getExplanationsList())
                .extracting(PendingExplanation::getPackageId)
                .containsExactlyInAnyOrder("a", "b");
    }

    private static PendingExplanation explanation(ExplainPendingResponse response, String packageId) {
        return response.getExplanationsList().stream()
                .filter(e -> e.getPackageId().equals(packageId))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no explanation for " + packageId + " in " + response));
    }

    // ---- cancel and retry --------------------------------------------------------------------

    @Test
    void cancelStopsTheRunningAttemptAndEndsCancelled() throws Exception {
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(TestFarm::chain)).getBuildId();
        Assign a = w1.awaitAssign();

        BuildState state = farm.builds()
                .cancelBuild(CancelBuildRequest.newBuilder()
                        .setBuildId(id)
                        .setReason("superseded")
                        .build())
                .getState();

        assertThat(state).isEqualTo(BuildState.BUILD_STATE_CANCELLING);
        CancelAttempt cancel = w1.awaitCancel();
        assertThat(cancel.getAttemptId()).isEqualTo(a.getAttemptId());
        assertThat(cancel.getReason()).isEqualTo(CancelReason.CANCEL_REASON_BUILD_CANCELLED);
        Build build = farm.get(id);
        assertThat(build.getState()).isEqualTo(BuildState.BUILD_STATE_CANCELLING);
        assertThat(pkg(build, "a").getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING);
        assertThat(pkg(build, "b").getState()).isEqualTo(PackageState.PACKAGE_STATE_CANCELLED);

        assertThat(w1.cancelled(a.getAttemptId(), a.getLeaderEpoch()).getAccepted())
                .isTrue();

        build = farm.awaitState(id, BuildState.BUILD_STATE_CANCELLED);
        assertThat(build.getMessage()).isEqualTo("superseded");
        assertThat(build.getPackagesList())
                .extracting(p -> p.getState())
                .containsOnly(PackageState.PACKAGE_STATE_CANCELLED);
        assertThat(farm.builds()
                        .cancelBuild(
                                CancelBuildRequest.newBuilder().setBuildId(id).build())
                        .getState())
                .isEqualTo(BuildState.BUILD_STATE_CANCELLED);
        w1.expectNone(MessageCase.ASSIGN, QUIET);
    }

    @Test
    void retryRerunsOnlyTheFailedAndSkippedPackages() throws Exception {
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(
                        book -> book.simple("a", "1", "").simple("b", "1", "").simple("c", "1", "required: [b]")))
                .getBuildId();
        Map<String, Assign> first = w1.awaitAssigns(2);
        assertThat(first).containsOnlyKeys("a", "b");
        assertThat(w1.succeed(first.get("a")).getAccepted()).isTrue();
        assertThat(w1.fail(first.get("b"), "phase build exited 2").getAccepted())
                .isTrue();

        Build failed = farm.awaitState(id, BuildState.BUILD_STATE_FAILED);
        assertThat(pkg(failed, "a").getState()).isEqualTo(PackageState.PACKAGE_STATE_SUCCEEDED);
        assertThat(pkg(failed, "b").getState()).isEqualTo(PackageState.PACKAGE_STATE_FAILED);
        assertThat(pkg(failed, "b").getFailureKind()).isEqualTo(FailureKind.FAILURE_KIND_PHASE_FAILED);
        assertThat(pkg(failed, "b").getFailureReason()).isEqualTo("phase build exited 2");
        assertThat(pkg(failed, "c").getState()).isEqualTo(PackageState.PACKAGE_STATE_SKIPPED);
        assertThat(pkg(failed, "c").getSkippedBecause()).isEqualTo("b");

        RetryBuildResponse retried = farm.builds()
                .retryBuild(RetryBuildRequest.newBuilder().setBuildId(id).build());

        assertThat(retried.getRequeued()).isEqualTo(2);
        assertThat(retried.getState()).isEqualTo(BuildState.BUILD_STATE_RUNNING);
        Assign b = w1.awaitAssign();
        assertThat(b.getPackageId()).isEqualTo("b");
        assertThat(b.getAttemptNumber()).isEqualTo(2);
        assertThat(b.getAttemptId()).isNotEqualTo(first.get("b").getAttemptId());
        assertThat(w1.succeed(b).getAccepted()).isTrue();
        Assign c = w1.awaitAssign();
        assertThat(c.getPackageId()).isEqualTo("c");
        assertThat(w1.succeed(c).getAccepted()).isTrue();

        Build done = farm.awaitState(id, BuildState.BUILD_STATE_SUCCEEDED);
        assertThat(done.getRetryCount()).isEqualTo(1);
        assertThat(pkg(done, "a").getState()).isEqualTo(PackageState.PACKAGE_STATE_SUCCEEDED);
        assertThat(pkg(done, "a").getAttempts()).isEqualTo(1);
        assertThat(pkg(done, "a").getAttemptId()).isEqualTo(first.get("a").getAttemptId());
        assertThat(pkg(done, "b").getAttempts()).isEqualTo(2);
        assertThat(pkg(done, "c").getAttempts()).isEqualTo(1);
        w1.expectNone(MessageCase.ASSIGN, QUIET);
    }

    // ---- logs --------------------------------------------------------------------------------

    @Test
    void streamLogReturnsTheBytesOfAFinishedAttempt() throws Exception {
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(b -> b.simple("solo", "1", ""))).getBuildId();
        Assign assign = w1.awaitAssign();
        w1.log(assign.getAttemptId(), "configure: ok\n");
        w1.log(assign.getAttemptId(), "make: done\n");
        assertThat(w1.succeed(assign).getAccepted()).isTrue();
        assertThat(pkg(farm.get(id), "solo").getLogSizeBytes()).isEqualTo(25);

        Iterator<StreamLogResponse> chunks = farm.builds()
                .streamLog(StreamLogRequest.newBuilder()
                        .setBuildId(id)
                        .setPackageId("solo")
                        .build());

        StringBuilder text = new StringBuilder();
        StreamLogResponse last = null;
        while (chunks.hasNext()) {
            last = chunks.next();
            assertThat(last.getAttemptId()).isEqualTo(assign.getAttemptId());
            assertThat(last.getOffset()).isEqualTo(text.length());
            text.append(last.getData().toStringUtf8());
        }
        assertThat(text.toString()).isEqualTo("configure: ok\nmake: done\n");
        assertThat(last.getEndOfLog()).isTrue();

        Iterator<StreamLogResponse> tail = farm.builds()
                .streamLog(StreamLogRequest.newBuilder()
                        .setBuildId(id)
                        .setPackageId("solo")
                        .setAttemptId(assign.getAttemptId())
                        .setOffset(14)
                        .build());
        assertThat(tail.next().getData().toStringUtf8()).isEqualTo("make: done\n");
    }

    @Test
    void streamLogFollowsARunningAttemptUntilItsResult() throws Exception {
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(b -> b.simple("solo", "1", ""))).getBuildId();
        Assign assign = w1.awaitAssign();
        w1.log(assign.getAttemptId(), "first\n");
        farm.await(id, "a running attempt", b -> pkg(b, "solo").getState() == PackageState.PACKAGE_STATE_RUNNING);

        LogFollower follower = new LogFollower();
        farm.buildsAsync()
                .streamLog(
                        StreamLogRequest.newBuilder()
                                .setBuildId(id)
                                .setPackageId("solo")
                                .setFollow(true)
                                .build(),
                        follower);

        assertThat(follower.text(6)).isEqualTo("first\n");
        w1.log(assign.getAttemptId(), "second\n");
        assertThat(follower.text(13)).isEqualTo("first\nsecond\n");
        assertThat(follower.end).isNotDone();

        assertThat(w1.succeed(assign).getAccepted()).isTrue();

        assertThat(follower.end.get(10, TimeUnit.SECONDS))
                .extracting(Status::getCode)
                .isEqualTo(Status.Code.OK);
        assertThat(follower.received.toString()).isEqualTo("first\nsecond\n");
        assertThat(follower.lastEndOfLog).isTrue();
    }

    @Test
    void aFollowerOfAFastGrowingLogGetsEveryByteOnceAndInOrder() throws Exception {
        FakeWorker w1 = farm.connected("w1");
        String id = farm.submit(farm.request(b -> b.simple("solo", "1", ""))).getBuildId();
        Assign assign = w1.awaitAssign();
        LogFollower follower = new LogFollower();
        farm.buildsAsync()
                .streamLog(
                        StreamLogRequest.newBuilder()
                                .setBuildId(id)
                                .setPackageId("solo")
                                .setFollow(true)
                                .build(),
                        follower);

        StringBuilder written = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            String line = "line " + i + "\n";
            written.append(line);
            w1.log(assign.getAttemptId(), line);
        }
        assertThat(w1.succeed(assign).getAccepted()).isTrue();

        assertThat(follower.end.get(10, TimeUnit.SECONDS))
                .extracting(Status::getCode)
                .isEqualTo(Status.Code.OK);
        assertThat(follower.received.toString()).isEqualTo(written.toString());
        long expectedOffset = 0;
        for (StreamLogResponse chunk : follower.chunks) {
            assertThat(chunk.getOffset()).as("offset of a chunk").isEqualTo(expectedOffset);
            expectedOffset += chunk.getData().size();
        }
        assertThat(follower.lastEndOfLog).isTrue();
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** Collects a WatchBuild stream. */
    static final class Watch implements StreamObserver<BuildEvent> {
        final BlockingQueue<BuildEvent> events = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> end = new CompletableFuture<>();

        BuildEvent next() throws InterruptedException {
            BuildEvent e = events.poll(FakeWorker.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(e).as("a build event within " + FakeWorker.WAIT).isNotNull();
            return e;
        }

        @Override
        public void onNext(BuildEvent value) {
            events.add(value);
        }

        @Override
        public void onError(Throwable t) {
            end.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            end.complete(Status.OK);
        }
    }

    /** Collects a following StreamLog call. */
    static final class LogFollower implements StreamObserver<StreamLogResponse> {
        final StringBuffer received = new StringBuffer();
        final BlockingQueue<StreamLogResponse> chunks = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> end = new CompletableFuture<>();
        volatile boolean lastEndOfLog;

        /** Waits until {@code length} characters have arrived; returns them. */
        String text(int length) throws InterruptedException {
            long deadline = System.nanoTime() + FakeWorker.WAIT.toNanos();
            while (received.length() < length) {
                if (chunks.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS) == null) {
                    throw new AssertionError(
                            "only '" + received + "' arrived" + (end.isDone() ? "; ended " + end.join() : ""));
                }
            }
            return received.toString();
        }

        @Override
        public void onNext(StreamLogResponse value) {
            received.append(value.getData().toStringUtf8());
            lastEndOfLog = value.getEndOfLog();
            chunks.add(value);
        }

        @Override
        public void onError(Throwable t) {
            end.complete(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            end.complete(Status.OK);
        }
    }
}
