package dev.lfsfarm.common.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.error.FarmException;
import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.schedule.Assignment;
import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.WorkerPool;
import dev.lfsfarm.common.schedule.WorkerSpec;
import dev.lfsfarm.common.testing.MiniBook;
import dev.lfsfarm.common.time.ManualClock;
import dev.lfsfarm.proto.v1.ActionResult;
import dev.lfsfarm.proto.v1.AttemptOutcome;
import dev.lfsfarm.proto.v1.AttemptResult;
import dev.lfsfarm.proto.v1.Build;
import dev.lfsfarm.proto.v1.BuildState;
import dev.lfsfarm.proto.v1.CancelReason;
import dev.lfsfarm.proto.v1.Digest;
import dev.lfsfarm.proto.v1.FailureKind;
import dev.lfsfarm.proto.v1.PackageState;
import dev.lfsfarm.proto.v1.SubmitBuildRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every transition of {@link BuildLifecycle}, driven directly: no transport, no threads, manual time. */
class BuildLifecycleTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final FakeShared shared = new FakeShared();
    private int attemptCounter;

    /** a <- b <- c, and d on its own. */
    private final ResolvedGraph graph = MiniBook.graph("a 1", "b 1 a", "c 1 b", "d 1");

    private BuildLifecycle lifecycle(int maxRequeues, SubmitBuildRequest spec) {
        WorkerPool pool = new WorkerPool(); // each lifecycle its own coordinator's pool
        pool.add(new WorkerSpec("w1", 4, 4, 8000, Map.of()));
        LifecycleContext context = new LifecycleContext(
                pool, DurationModel.ofSbuSeconds(1), LifecycleContext.Estimates.BOOK, maxRequeues, clock, clock);
        return new BuildLifecycle("b1", spec, graph, keys(graph), context);
    }

    private BuildLifecycle lifecycle(int maxRequeues) {
        return lifecycle(maxRequeues, SubmitBuildRequest.getDefaultInstance());
    }

    private static String[] keys(ResolvedGraph g) {
        String[] keys = new String[g.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = "key-" + g.id(i);
        }
        return keys;
    }

    /** Settles the cache and places what can be placed; returns the attempt ids by package. */
    private Map<String, String> dispatch(BuildLifecycle b) {
        apply(b.settleCached(shared));
        Map<String, String> started = new HashMap<>();
        for (Assignment a : b.assignments(shared)) {
            String id = "1-" + (++attemptCounter);
            apply(b.assigned(a, id));
            started.put(a.id(), id);
        }
        apply(b.finishIfDone());
        return started;
    }

    /** What the owner does with the cross-build effects: the in-flight index. */
    private List<Effect> apply(List<Effect> effects) {
        for (Effect e : effects) {
            if (e instanceof Effect.AttemptStarted s) {
                shared.inFlight.add(s.actionKey());
            } else if (e instanceof Effect.AttemptEnded end) {
                shared.inFlight.remove(end.actionKey());
            } else if (e instanceof Effect.RecordActionResult r) {
                shared.cache.put(r.result().getActionKey(), r.result());
            }
        }
        return effects;
    }

    private static AttemptResult outcome(String attemptId, AttemptOutcome outcome) {
        AttemptResult.Builder r =
                AttemptResult.newBuilder().setAttemptId(attemptId).setOutcome(outcome);
        if (outcome == AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED) {
            r.setArtifact(Digest.newBuilder().setSha256("art-" + attemptId).setSizeBytes(1));
        } else if (outcome == AttemptOutcome.ATTEMPT_OUTCOME_FAILED) {
            r.setFailureKind(FailureKind.FAILURE_KIND_PHASE_FAILED)
                    .setFailureReason("exit 2")
                    .setExitCode(2);
        }
        return r.build();
    }

    private PackageState state(BuildLifecycle b, String pkg) {
        return b.status(graph.indexOf(pkg)).getState();
    }

    private static <T extends Effect> List<T> only(List<Effect> effects, Class<T> type) {
        return effects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void startRunsTheBuildAndReadiesItsRoots() {
        BuildLifecycle b = lifecycle(2);
        List<Effect> effects = b.start();
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_RUNNING);
        assertThat(state(b, "a")).isEqualTo(PackageState.PACKAGE_STATE_READY);
        assertThat(state(b, "b")).isEqualTo(PackageState.PACKAGE_STATE_WAITING);
        // durable first, then watchers
        assertThat(effects.get(0)).isInstanceOf(Effect.PersistBuild.class);
        assertThat(effects.get(1))
                .isEqualTo(new Effect.BuildStateChanged(
                        BuildState.BUILD_STATE_QUEUED, BuildState.BUILD_STATE_RUNNING, ""));
        assertThat(effects.get(2)).isInstanceOf(Effect.PersistPackages.class);
        assertThat(effects.get(effects.size() - 1)).isEqualTo(new Effect.ProgressChanged(false));
        assertThat(b.toProto(false).getStartedAt().getSeconds())
                .isEqualTo(clock.instant().getEpochSecond());
    }

    @Test
    void assignedAttemptRunsAndReportsItsDispatchLatency() {
        BuildLifecycle b = lifecycle(2);
        b.start();
        clock.advance(Duration.ofMillis(300));
        apply(b.settleCached(shared));
        Assignment first = b.assignments(shared).get(0);
        List<Effect> effects = apply(b.assigned(first, "1-1"));
        assertThat(effects.get(0))
                .isEqualTo(
                        new Effect.Dispatched(first.id(), Duration.ofMillis(300).toNanos()));
        assertThat(effects.get(1)).isInstanceOf(Effect.AttemptStarted.class);
        assertThat(b.status(first.task()).getState()).isEqualTo(PackageState.PACKAGE_STATE_RUNNING);
        assertThat(b.status(first.task()).getAttempts()).isEqualTo(1);
        assertThat(b.attempt("1-1")).get().extracting(Attempt::worker).isEqualTo("w1");
    }

    @Test
    void successesReadyDependentsFillTheCacheAndSucceedTheBuild() {
        BuildLifecycle b = lifecycle(2);
        b.start();
        for (String pkg : List.of("a", "b", "c")) {
            Map<String, String> started = dispatch(b);
            List<Effect> effects = apply(
                    b.result(started.get(pkg), outcome(started.get(pkg), AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)));
            assertThat(effects.get(0)).isInstanceOf(Effect.AttemptEnded.class);
            assertThat(effects.get(1)).isInstanceOf(Effect.RecordActionResult.class);
            if (started.containsKey("d")) {
                apply(b.result(started.get("d"), outcome(started.get("d"), AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)));
            }
        }
        assertThat(shared.cache).containsKeys("key-a", "key-b", "key-c", "key-d");
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_SUCCEEDED);
        assertThat(b.progress().getSucceeded()).isEqualTo(4);
    }

    @Test
    void theEndIsFinalCountsThenTheEndStatePersistedAndToldThenFinished() {
        ResolvedGraph one = MiniBook.graph("a 1");
        WorkerPool pool = new WorkerPool();
        pool.add(new WorkerSpec("w1", 1, 1, 1000, Map.of()));
        BuildLifecycle b = new BuildLifecycle(
                "b1",
                SubmitBuildRequest.getDefaultInstance(),
                one,
                keys(one),
                new LifecycleContext(
                        pool, DurationModel.ofSbuSeconds(1), LifecycleContext.Estimates.BOOK, 2, clock, clock));
        b.start();
        String id = dispatch(b).get("a");
        List<Effect> effects = b.result(id, outcome(id, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED));
        List<Effect> tail = effects.subList(effects.size() - 4, effects.size());
        assertThat(tail.get(0)).isEqualTo(new Effect.ProgressChanged(true));
        assertThat(tail.get(1)).isInstanceOf(Effect.PersistBuild.class);
        assertThat(((Effect.PersistBuild) tail.get(1)).build().getState()).isEqualTo(BuildState.BUILD_STATE_SUCCEEDED);
        assertThat(tail.get(2))
                .isEqualTo(new Effect.BuildStateChanged(
                        BuildState.BUILD_STATE_RUNNING, BuildState.BUILD_STATE_SUCCEEDED, ""));
        assertThat(tail.get(3)).isEqualTo(new Effect.BuildFinished(BuildState.BUILD_STATE_SUCCEEDED));
    }

    @Test
    void aFailedPackageSkipsItsDependentsAndFailsTheBuild() {
        BuildLifecycle b = lifecycle(2);
        b.start();
        Map<String, String> started = dispatch(b);
        apply(b.result(started.get("d"), outcome(started.get("d"), AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)));
        apply(b.result(started.get("a"), outcome(started.get("a"), AttemptOutcome.ATTEMPT_OUTCOME_FAILED)));
        assertThat(state(b, "a")).isEqualTo(PackageState.PACKAGE_STATE_FAILED);
        assertThat(b.status(graph.indexOf("a")).getFailureReason()).isEqualTo("exit 2");
        assertThat(state(b, "b")).isEqualTo(PackageState.PACKAGE_STATE_SKIPPED);
        assertThat(state(b, "c")).isEqualTo(PackageState.PACKAGE_STATE_SKIPPED);
        assertThat(b.status(graph.indexOf("b")).getSkippedBecause()).isEqualTo("a");
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_FAILED);
        assertThat(b.message()).isEqualTo("1 failed, 2 skipped");
        assertThat(shared.cache).containsOnlyKeys("key-d");
    }

    @Test
    void aLostAttemptIsRequeuedUnderTheLimitAndFailsAsLostPastIt() {
        BuildLifecycle b = lifecycle(1);
        b.start();
        String first = dispatch(b).get("a");
        apply(b.lost(first, "worker w1 lost"));
        int a = graph.indexOf("a");
        assertThat(b.status(a).getState()).isEqualTo(PackageState.PACKAGE_STATE_READY);
        assertThat(b.status(a).getFailureReason()).isEqualTo("worker w1 lost; requeued (attempt 1 of 2)");
        assertThat(b.requeues(a)).isEqualTo(1);
        assertThat(b.attempt(first)).isEmpty();

        String second = dispatch(b).get("a");
        assertThat(b.status(a).getAttempts()).isEqualTo(2);
        apply(b.lost(second, "worker w1 lost"));
        assertThat(b.status(a).getState()).isEqualTo(PackageState.PACKAGE_STATE_FAILED);
        assertThat(b.status(a).getFailureKind()).isEqualTo(FailureKind.FAILURE_KIND_LOST);
        assertThat(b.status(a).getFailureReason()).isEqualTo("worker w1 lost; given up after 2 attempts");
        assertThat(b.requeues(a)).isEqualTo(1);
        assertThat(state(b, "b")).isEqualTo(PackageState.PACKAGE_STATE_SKIPPED);
    }

    @Test
    void aResultOfAnUnknownAttemptChangesNothing() {
        BuildLifecycle b = lifecycle(2);
        b.start();
        assertThat(b.result("nope", outcome("nope", AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)))
                .isEmpty();
        assertThat(b.lost("nope", "gone")).isEmpty();
    }

    @Test
    void aCacheHitSettlesThePackageWithoutRunningIt() {
        shared.cache.put(
                "key-a",
                ActionResult.newBuilder()
                        .setActionKey("key-a")
                        .setArtifact(Digest.newBuilder().setSha256("cached-a"))
                        .build());
        BuildLifecycle b = lifecycle(2);
        b.start();
        Map<String, String> started = dispatch(b);
        assertThat(state(b, "a")).isEqualTo(PackageState.PACKAGE_STATE_CACHED);
        assertThat(b.status(graph.indexOf("a")).getCacheHit()).isTrue();
        assertThat(b.status(graph.indexOf("a")).getArtifact().getSha256()).isEqualTo("cached-a");
        assertThat(started).containsOnlyKeys("b", "d"); // b became ready through the hit and runs
    }

    @Test
    void anIdenticalActionInFlightIsWaitedForThenTakenFromTheCache() {
        shared.inFlight.add("key-a"); // another build runs a's action right now
        BuildLifecycle b = lifecycle(2);
        b.start();
        Map<String, String> started = dispatch(b);
        assertThat(started).containsOnlyKeys("d");
        assertThat(state(b, "a")).isEqualTo(PackageState.PACKAGE_STATE_READY);
        assertThat(b.scheduler().pendingReason(graph.indexOf("a"))).isNotNull();

        // the twin succeeds elsewhere: its result is cached and it is no longer in flight
        shared.inFlight.remove("key-a");
        shared.cache.put(
                "key-a", ActionResult.newBuilder().setActionKey("key-a").build());
        started = dispatch(b);
        assertThat(state(b, "a")).isEqualTo(PackageState.PACKAGE_STATE_CACHED);
        assertThat(started).containsOnlyKeys("b");
    }

    @Test
    void aNoCacheBuildNeitherLooksUpNorWaitsForTwins() {
        shared.inFlight.add("key-a");
        shared.cache.put(
                "key-d", ActionResult.newBuilder().setActionKey("key-d").build());
        BuildLifecycle b =
                lifecycle(2, SubmitBuildRequest.newBuilder().setNoCache(true).build());
        b.start();
        assertThat(dispatch(b)).containsOnlyKeys("a", "d");
    }

    @Test
    void cancelWhileRunningIsCancellingUntilTheAttemptReportsThenCancelled() {
        BuildLifecycle b = lifecycle(2);
        b.start();
        Map<String, String> started = dispatch(b);
        List<Effect> effects = apply(b.cancel(""));
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_CANCELLING);
        assertThat(b.message()).isEqualTo("cancelled");
        assertThat(only(effects, Effect.SendCancel.class))
                .extracting(Effect.SendCancel::attemptId)
                .containsExactlyInAnyOrderElementsOf(started.values());
        assertThat(only(effects, Effect.SendCancel.class))
                .allMatch(c -> c.reason() == CancelReason.CANCEL_REASON_BUILD_CANCELLED);
        assertThat(state(b, "b")).isEqualTo(PackageState.PACKAGE_STATE_CANCELLED);

        apply(b.result(started.get("a"), outcome(started.get("a"), AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED)));
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_CANCELLING);
        effects = apply(b.lost(started.get("d"), "worker gone")); // lost while cancelling: cancelled, not requeued
        assertThat(state(b, "d")).isEqualTo(PackageState.PACKAGE_STATE_CANCELLED);
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_CANCELLED);
        assertThat(effects.get(effects.size() - 1))
                .isEqualTo(new Effect.BuildFinished(BuildState.BUILD_STATE_CANCELLED));
        assertThat(b.cancel("again")).isEmpty();
    }

    @Test
    void retryRerunsWhatDidNotSucceedAndOnlyAFinishedBuild() {
        BuildLifecycle b = lifecycle(2);
        b.start();
        assertThatThrownBy(b::retry)
                .isInstanceOf(FarmException.class)
                .hasMessage("build b1 is BUILD_STATE_RUNNING; only a finished build can be retried")
                .extracting(e -> ((FarmException) e).kind())
                .isEqualTo(FarmException.Kind.FAILED_PRECONDITION);
        Map<String, String> started = dispatch(b);
        apply(b.result(started.get("d"), outcome(started.get("d"), AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)));
        apply(b.result(started.get("a"), outcome(started.get("a"), AttemptOutcome.ATTEMPT_OUTCOME_FAILED)));
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_FAILED);
        assertThat(b.unfinishedPackages()).isEqualTo(3);

        apply(b.retry());
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_RUNNING);
        assertThat(b.toProto(false).getRetryCount()).isEqualTo(1);
        assertThat(b.toProto(false).hasFinishedAt()).isFalse();
        assertThat(state(b, "a")).isEqualTo(PackageState.PACKAGE_STATE_READY);
        assertThat(b.status(graph.indexOf("a")).getFailureReason()).isEmpty();
        assertThat(state(b, "b")).isEqualTo(PackageState.PACKAGE_STATE_WAITING);
        assertThat(state(b, "d")).isEqualTo(PackageState.PACKAGE_STATE_SUCCEEDED); // stays done
        assertThat(dispatch(b)).containsOnlyKeys("a");
    }

    @Test
    void interruptRequeuesRunningWorkAndResumeContinuesIt() {
        BuildLifecycle b = lifecycle(2);
        b.start();
        Map<String, String> started = dispatch(b);
        List<Effect> effects = apply(b.interrupt("farm stopping"));
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_INTERRUPTED);
        assertThat(only(effects, Effect.SendCancel.class)).hasSize(2);
        assertThat(only(effects, Effect.AttemptEnded.class)).hasSize(2);
        assertThat(b.attempts()).isEmpty();
        assertThat(state(b, "a")).isEqualTo(PackageState.PACKAGE_STATE_READY);
        assertThat(b.status(graph.indexOf("a")).getFailureReason()).isEqualTo("interrupted: farm stopping");
        assertThat(b.assignments(shared)).isEmpty(); // nothing is placed while interrupted
        assertThat(b.interrupt("again")).isEmpty();

        apply(b.resume());
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_RUNNING);
        assertThat(b.resume()).isEmpty(); // running: nothing to resume
        assertThat(dispatch(b)).containsOnlyKeys("a", "d");
        assertThat(b.status(graph.indexOf("a")).getAttempts()).isEqualTo(2);
        assertThat(started).hasSize(2);
    }

    @Test
    void resumeOfAFinishedBuildIsRefused() {
        ResolvedGraph one = MiniBook.graph("a 1");
        WorkerPool pool = new WorkerPool();
        pool.add(new WorkerSpec("w1", 1, 1, 1000, Map.of()));
        BuildLifecycle b = new BuildLifecycle(
                "b9",
                SubmitBuildRequest.getDefaultInstance(),
                one,
                keys(one),
                new LifecycleContext(
                        pool, DurationModel.ofSbuSeconds(1), LifecycleContext.Estimates.BOOK, 2, clock, clock));
        b.start();
        b.cancel("stop");
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_CANCELLED);
        assertThatThrownBy(b::resume)
                .isInstanceOf(FarmException.class)
                .hasMessage("build b9 already finished (CANCELLED); use retry for its failed packages");
    }

    /** A build stored while {@code a} and {@code d} ran, as a new leader reads it. */
    private Build storedWhileRunning(Map<String, String> started) {
        BuildLifecycle before = lifecycle(2);
        before.start();
        started.putAll(dispatch(before));
        return before.toProto(true);
    }

    @Test
    void afterATakeoverRunningPackagesAreHeldThenReadopted() {
        Map<String, String> started = new HashMap<>();
        Build stored = storedWhileRunning(started);
        shared.inFlight.clear();
        BuildLifecycle b = lifecycle(2);
        List<Effect> effects = apply(b.restore(stored));
        assertThat(only(effects, Effect.AttemptStarted.class)).hasSize(2);
        assertThat(b.orphans()).containsExactlyInAnyOrderElementsOf(started.values());
        assertThat(b.isHeld(graph.indexOf("a"))).isTrue();
        assertThat(state(b, "a")).isEqualTo(PackageState.PACKAGE_STATE_RUNNING); // held as it was
        assertThat(b.assignments(shared)).isEmpty(); // held packages are not placed again

        apply(b.readopt(started.get("a"), 2));
        assertThat(b.isOrphan(started.get("a"))).isFalse();
        assertThat(b.attempt(started.get("a"))).isPresent();
        assertThat(b.scheduler().workerOf(graph.indexOf("a"))).isEqualTo("w1");
        apply(b.result(started.get("a"), outcome(started.get("a"), AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)));
        assertThat(state(b, "a")).isEqualTo(PackageState.PACKAGE_STATE_SUCCEEDED);
        assertThat(state(b, "b")).isEqualTo(PackageState.PACKAGE_STATE_READY);
    }

    @Test
    void aHeldAttemptNoWorkerReportsIsReleasedAndRunsAgain() {
        Map<String, String> started = new HashMap<>();
        Build stored = storedWhileRunning(started);
        shared.inFlight.clear();
        BuildLifecycle b = lifecycle(2);
        apply(b.restore(stored));
        String a = started.get("a");
        List<Effect> effects =
                apply(b.releaseOrphan(a, "no worker reported attempt " + a + " within 10 s of the takeover"));
        assertThat(effects.get(0)).isInstanceOf(Effect.AttemptEnded.class);
        assertThat(b.attempt(a)).isEmpty();
        assertThat(state(b, "a")).isEqualTo(PackageState.PACKAGE_STATE_READY);
        assertThat(b.status(graph.indexOf("a")).getFailureReason())
                .isEqualTo("no worker reported attempt " + a + " within 10 s of the takeover; requeued");
        assertThat(b.releaseOrphan(a, "twice")).isEmpty();
        Map<String, String> again = dispatch(b);
        assertThat(again).containsOnlyKeys("a"); // d is still held
        assertThat(b.status(graph.indexOf("a")).getAttempts()).isEqualTo(2);
    }

    @Test
    void aHeldAttemptOfABuildCancelledMeanwhileIsNotReadopted() {
        Map<String, String> started = new HashMap<>();
        Build stored = storedWhileRunning(started);
        BuildLifecycle b = lifecycle(2);
        apply(b.restore(stored));
        apply(b.cancel("stop"));
        apply(b.readopt(started.get("a"), 1));
        assertThat(b.attempt(started.get("a"))).isEmpty(); // the caller tells the worker to stop it
        assertThat(state(b, "a")).isEqualTo(PackageState.PACKAGE_STATE_CANCELLED);
    }

    @Test
    void aBuildStoredWhileCancellingEndsCancelled() {
        BuildLifecycle before = lifecycle(2);
        before.start();
        dispatch(before);
        before.cancel("stop");
        Build stored = before.toProto(true);
        BuildLifecycle b = lifecycle(2);
        List<Effect> effects = b.restore(stored);
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_CANCELLED);
        assertThat(effects.get(effects.size() - 1))
                .isEqualTo(new Effect.BuildFinished(BuildState.BUILD_STATE_CANCELLED));
    }

    @Test
    void anInterruptedBuildStoredStaysInterruptedUntilResumed() {
        BuildLifecycle before = lifecycle(2);
        before.start();
        dispatch(before);
        apply(before.interrupt("stop"));
        BuildLifecycle b = lifecycle(2);
        assertThat(b.restore(before.toProto(true))).isEmpty();
        assertThat(b.state()).isEqualTo(BuildState.BUILD_STATE_INTERRUPTED);
        apply(b.resume());
        assertThat(dispatch(b)).containsOnlyKeys("a", "d");
    }

    @Test
    void phaseChangesOnlyTheStatus() {
        BuildLifecycle b = lifecycle(2);
        b.start();
        String a = dispatch(b).get("a");
        b.phase(a, "configure");
        assertThat(b.status(graph.indexOf("a")).getCurrentPhase()).isEqualTo("configure");
    }

    /** The in-flight index and the action cache as the lifecycle's owner would keep them. */
    private static final class FakeShared implements SharedActions {
        final Set<String> inFlight = new HashSet<>();
        final Map<String, ActionResult> cache = new HashMap<>();

        @Override
        public boolean inFlight(String actionKey) {
            return inFlight.contains(actionKey);
        }

        @Override
        public Optional<ActionResult> cached(String actionKey) {
            return Optional.ofNullable(cache.get(actionKey));
        }
    }
}
