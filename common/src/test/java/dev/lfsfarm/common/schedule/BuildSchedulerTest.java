package dev.lfsfarm.common.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.testing.MiniBook;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuildSchedulerTest {
    private static final DurationModel ONE_SECOND = DurationModel.ofSbuSeconds(1);

    private static BuildScheduler scheduler(ResolvedGraph g, WorkerSpec... workers) {
        BuildScheduler s = new BuildScheduler(g, Policy.CRITICAL_PATH, ONE_SECOND, 4);
        for (WorkerSpec w : workers) {
            s.addWorker(w);
        }
        return s;
    }

    private static WorkerSpec worker(String name, int cores, int memoryMb) {
        return new WorkerSpec(name, cores, cores, memoryMb, Map.of());
    }

    private static List<String> ids(ResolvedGraph g, List<Integer> tasks) {
        return tasks.stream().map(g::id).toList();
    }

    @Test
    void onlyPackagesWhoseDependenciesFinishedAreAssigned() {
        ResolvedGraph g = MiniBook.graph("a 1", "b 1 a", "c 1 b");
        BuildScheduler s = scheduler(g, worker("w1", 4, 1000));
        assertThat(s.assign()).extracting(Assignment::id).containsExactly("a");
        assertThat(s.assign()).isEmpty();
        assertThat(ids(g, s.finished(g.indexOf("a")))).containsExactly("b");
        assertThat(s.state(g.indexOf("c"))).isEqualTo(TaskState.WAITING);
        assertThat(s.pendingReason(g.indexOf("c"))).isEqualTo("waiting on b (READY)");
        assertThat(s.assign()).extracting(Assignment::id).containsExactly("b");
    }

    @Test
    void highestCriticalPathGoesFirstAndGetsTheCores() {
        // short is first in book order, but long heads the longest chain
        ResolvedGraph g = MiniBook.graph("short 1 pj=4", "long 2 pj=4", "tail 5 long");
        BuildScheduler s = scheduler(g, worker("w1", 4, 1000));
        List<Assignment> first = s.assign();
        assertThat(first).containsExactly(new Assignment(g.indexOf("long"), "long", "w1", 4));
        assertThat(s.pendingReason(g.indexOf("short"))).startsWith("all matching workers are busy");
    }

    @Test
    void fifoTakesBookOrder() {
        ResolvedGraph g = MiniBook.graph("short 1", "long 2", "tail 5 long");
        BuildScheduler s = new BuildScheduler(g, Policy.FIFO, ONE_SECOND, 1);
        s.addWorker(worker("w1", 1, 1000));
        assertThat(s.assign()).extracting(Assignment::id).containsExactly("short");
    }

    @Test
    void coresAreNeverOversubscribed() {
        ResolvedGraph g = MiniBook.graph("a 1 pj=3", "b 1 pj=3", "c 1 pj=1", "d 1 pj=8", "e 1");
        BuildScheduler s = scheduler(g, worker("w1", 4, 1000), worker("w2", 2, 1000));
        List<Assignment> placed = s.assign();
        int w1 = placed.stream()
                .filter(a -> a.worker().equals("w1"))
                .mapToInt(Assignment::cores)
                .sum();
        int w2 = placed.stream()
                .filter(a -> a.worker().equals("w2"))
                .mapToInt(Assignment::cores)
                .sum();
        assertThat(w1).isLessThanOrEqualTo(4);
        assertThat(w2).isLessThanOrEqualTo(2);
        assertThat(placed)
                .allSatisfy(a ->
                        assertThat(a.cores()).isBetween(1, g.recipe(a.task()).parallelJobs()));
        assertThat(w1 + w2).isEqualTo(6); // every core is used while packages wait
    }

    @Test
    void memoryAndLabelsDecideWhereAPackageMayGo() {
        ResolvedGraph g = MiniBook.graph("big 1 mem=3000", "arm 1 label=arch:aarch64", "small 1 mem=100");
        BuildScheduler s = new BuildScheduler(g, Policy.FIFO, ONE_SECOND, 1);
        s.addWorker(worker("small-box", 2, 1024));
        s.addWorker(new WorkerSpec("arm-box", 1, 1, 8192, Map.of("arch", "aarch64")));
        List<Assignment> placed = s.assign();
        assertThat(placed).extracting(a -> a.id() + "@" + a.worker()).containsExactly("big@arm-box", "small@small-box");
        assertThat(s.state(g.indexOf("arm"))).isEqualTo(TaskState.READY);
        assertThat(s.placeable(g.indexOf("arm"))).isTrue();

        BuildScheduler none = new BuildScheduler(g, Policy.FIFO, ONE_SECOND, 1);
        none.addWorker(worker("tiny", 1, 10));
        assertThat(none.placeable(g.indexOf("big"))).isFalse();
        assertThat(none.pendingReason(g.indexOf("arm"))).isEqualTo("no worker has the labels {arch=aarch64}");
        assertThat(none.pendingReason(g.indexOf("big")))
                .isEqualTo("no worker with matching labels has 3000 MiB of memory");
    }

    @Test
    void failureSkipsEveryDependentNamingItAndIndependentBranchesGoOn() {
        ResolvedGraph g = MiniBook.graph("lib 1", "app 1 lib", "suite 1 app", "other 1", "both 1 other app");
        BuildScheduler s = scheduler(g, worker("w1", 4, 1000));
        assertThat(s.assign()).extracting(Assignment::id).containsExactlyInAnyOrder("lib", "other");
        assertThat(ids(g, s.failed(g.indexOf("lib")))).containsExactlyInAnyOrder("app", "suite", "both");
        for (String id : List.of("app", "suite", "both")) {
            assertThat(s.state(g.indexOf(id))).isEqualTo(TaskState.SKIPPED);
            assertThat(g.id(s.skippedBecause(g.indexOf(id)))).isEqualTo("lib");
        }
        assertThat(s.finished(g.indexOf("other"))).isEmpty();
        assertThat(s.isComplete()).isTrue();
        assertThat(s.counts())
                .containsEntry(TaskState.FAILED, 1)
                .containsEntry(TaskState.SKIPPED, 3)
                .containsEntry(TaskState.SUCCEEDED, 1);
    }

    @Test
    void lostWorkerPutsItsPackagesBackAndAnotherWorkerTakesThem() {
        ResolvedGraph g = MiniBook.graph("a 1", "b 1");
        BuildScheduler s = scheduler(g, worker("w1", 2, 1000));
        assertThat(s.assign()).hasSize(2);
        assertThat(ids(g, s.workerLost("w1"))).containsExactly("a", "b");
        assertThat(s.state(g.indexOf("a"))).isEqualTo(TaskState.READY);
        assertThat(s.assign()).isEmpty();
        s.addWorker(worker("w2", 1, 1000));
        assertThat(s.assign()).extracting(a -> a.id() + "@" + a.worker()).containsExactly("a@w2");
    }

    @Test
    void cachedPackagesReleaseDependentsWithoutRunning() {
        ResolvedGraph g = MiniBook.graph("a 1", "b 1 a");
        BuildScheduler s = scheduler(g, worker("w1", 1, 1000));
        assertThat(ids(g, s.cached(g.indexOf("a")))).containsExactly("b");
        assertThat(s.assign()).extracting(Assignment::id).containsExactly("b");
        assertThatThrownBy(() -> s.finished(g.indexOf("a"))).hasMessageContaining("a is CACHED, not RUNNING");
    }

    @Test
    void requeueFreesTheCoresForTheNextAssignment() {
        ResolvedGraph g = MiniBook.graph("a 1 pj=2", "b 1 pj=2");
        BuildScheduler s = scheduler(g, worker("w1", 2, 1000));
        Assignment first = s.assign().get(0);
        s.requeue(first.task());
        assertThat(s.assign()).extracting(Assignment::id).containsExactly(first.id());
    }

    @Test
    void anAdoptedPackageRunsWhereItWasWithoutBeingPlacedAgain() {
        ResolvedGraph g = MiniBook.graph("a 1 pj=2", "b 1 pj=2", "c 1 a");
        BuildScheduler s = scheduler(g, worker("w1", 2, 1000));
        s.adopt(g.indexOf("a"), "w1", 2);
        assertThat(s.state(g.indexOf("a"))).isEqualTo(TaskState.RUNNING);
        assertThat(s.workerOf(g.indexOf("a"))).isEqualTo("w1");
        assertThat(s.assign()).as("w1's cores are held by the adopted package").isEmpty();
        assertThat(ids(g, s.finished(g.indexOf("a")))).containsExactly("c");
        assertThat(s.assign()).extracting(Assignment::id).containsExactlyInAnyOrder("b", "c");
        assertThatThrownBy(() -> s.adopt(g.indexOf("c"), "nobody", 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aPackageThatFailedEarlierSkipsItsDependentsWithoutRunning() {
        ResolvedGraph g = MiniBook.graph("a 1", "b 1 a", "c 1");
        BuildScheduler s = scheduler(g, worker("w1", 4, 1000));
        assertThat(ids(g, s.failedEarlier(g.indexOf("a")))).containsExactly("b");
        assertThat(s.state(g.indexOf("b"))).isEqualTo(TaskState.SKIPPED);
        assertThat(s.assign()).extracting(Assignment::id).containsExactly("c");
    }

    @Test
    void buildsSharingAPoolNeverHandOutTheSameCore() {
        WorkerPool pool = new WorkerPool();
        pool.add(worker("w1", 4, 1000));
        ResolvedGraph first = MiniBook.graph("a 1 pj=3", "b 1 pj=3");
        ResolvedGraph second = MiniBook.graph("x 1 pj=3", "y 1");
        BuildScheduler one = new BuildScheduler(first, Policy.CRITICAL_PATH, ONE_SECOND, 4, pool);
        BuildScheduler two = new BuildScheduler(second, Policy.CRITICAL_PATH, ONE_SECOND, 4, pool);
        List<Assignment> a = one.assign();
        List<Assignment> b = two.assign();
        int used = a.stream().mapToInt(Assignment::cores).sum()
                + b.stream().mapToInt(Assignment::cores).sum();
        assertThat(used).isEqualTo(4);
        assertThat(a).extracting(Assignment::cores).containsExactly(3, 1);
        assertThat(b).isEmpty();
        one.finished(a.get(0).task());
        // y (1 s on one core) outranks x (0.47 s on three): y takes a core, x the two left
        assertThat(two.assign()).extracting(a2 -> a2.id() + ":" + a2.cores()).containsExactly("y:1", "x:2");
        // a lost worker takes its capacity with it, and each build requeues only its own packages
        assertThat(ids(first, one.workerLost("w1"))).containsExactly("b");
        assertThat(ids(second, two.workerLost("w1"))).containsExactly("x", "y");
        assertThat(pool.isEmpty()).isTrue();
    }

    @Test
    void cancellingStopsWhatWaitsAndReleasesWhatRuns() {
        ResolvedGraph g = MiniBook.graph("a 1", "b 1 a", "c 1");
        BuildScheduler s = scheduler(g, worker("w1", 1, 1000));
        Assignment running = s.assign().get(0);
        assertThat(ids(g, s.cancelPending())).hasSize(2);
        s.cancelled(running.task());
        assertThat(s.isComplete()).isTrue();
        assertThat(s.count(TaskState.CANCELLED)).isEqualTo(3);
    }

    @Test
    void drainingWorkerGetsNothingNew() {
        ResolvedGraph g = MiniBook.graph("a 1", "b 1");
        BuildScheduler s = scheduler(g, worker("w1", 2, 1000));
        s.pool().drain("w1");
        assertThat(s.assign()).isEmpty();
    }

    @Test
    void amdahlDurations() {
        assertThat(ONE_SECOND.micros(2.5, 1)).isEqualTo(2_500_000);
        assertThat(ONE_SECOND.micros(1, 4)).isEqualTo(400_000); // 0.2 + 0.8 / 4
        assertThat(new DurationModel(90, 0).micros(1, 8)).isEqualTo(90_000_000);
        assertThat(new DurationModel(1, 1).micros(1, 8)).isEqualTo(125_000);
        assertThatThrownBy(() -> new DurationModel(0, 0.5)).hasMessageContaining("positive");
        assertThatThrownBy(() -> new DurationModel(1, 1.5)).hasMessageContaining("between 0 and 1");
    }
}
