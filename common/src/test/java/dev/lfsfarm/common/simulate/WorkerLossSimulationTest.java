package dev.lfsfarm.common.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.schedule.CriticalPath;
import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.Policy;
import dev.lfsfarm.common.testing.MiniBook;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A worker lost mid-build, in virtual time: what the coordinator's lifecycle does with its packages. */
class WorkerLossSimulationTest {
    private static final DurationModel ONE_SECOND = DurationModel.ofSbuSeconds(1);
    private static final long S = 1_000_000;

    private static SimulationResult run(ResolvedGraph g, int workers, List<WorkerLoss> losses, int maxRequeues)
            throws Exception {
        return Simulator.run(
                g,
                SimulationConfig.of(workers, 1, Policy.CRITICAL_PATH, ONE_SECOND),
                CriticalPath.bookSbu(g),
                losses,
                maxRequeues);
    }

    private static String row(ScheduledRun r) {
        return r.id() + " " + r.worker() + " " + r.startMicros() / 1e6 + "-" + r.endMicros() / 1e6;
    }

    @Test
    void theLostWorkersPackageStartsAgainOnTheOtherAndItsWorkIsCounted() throws Exception {
        // a(4) on worker-1 and b(4) on worker-2 from 0 s; worker-2 is lost at 3 s: b starts again on
        // worker-1 when a ends at 4 s, and ends at 8 s; c(1) needs both.
        ResolvedGraph g = MiniBook.graph("a 4", "b 4", "c 1 a b");
        SimulationResult clean = run(g, 2, List.of(), 2);
        assertThat(clean.schedule())
                .extracting(WorkerLossSimulationTest::row)
                .containsExactly("a worker-1 0.0-4.0", "b worker-2 0.0-4.0", "c worker-1 4.0-5.0");

        SimulationResult lossy = run(g, 2, List.of(new WorkerLoss("worker-2", 3 * S)), 2);
        assertThat(lossy.schedule())
                .extracting(WorkerLossSimulationTest::row)
                .containsExactly("a worker-1 0.0-4.0", "b worker-1 4.0-8.0", "c worker-1 8.0-9.0");
        assertThat(lossy.lostRuns()).containsExactly(new LostRun("b", "worker-2", 1, 0, 3 * S, true));
        assertThat(lossy.requeues()).isEqualTo(1);
        assertThat(lossy.lostWorkMicros()).isEqualTo(3 * S);
        assertThat(lossy.makespanMicros()).isEqualTo(9 * S);
        assertThat(lossy.unbuilt()).isEmpty();
        assertThat(clean.requeues()).isZero();
        assertThat(clean.lostRuns()).isEmpty();
    }

    @Test
    void aPackageEndingAtTheInstantItsWorkerIsLostHasFinished() throws Exception {
        ResolvedGraph g = MiniBook.graph("a 2", "b 4");
        SimulationResult r = run(g, 2, List.of(new WorkerLoss("worker-2", 2 * S)), 2);
        // b (longest first) on worker-1, a on worker-2 ends at 2 s, exactly when worker-2 goes.
        assertThat(r.schedule())
                .extracting(WorkerLossSimulationTest::row)
                .containsExactly("b worker-1 0.0-4.0", "a worker-2 0.0-2.0");
        assertThat(r.lostRuns()).isEmpty();
    }

    @Test
    void pastTheRequeueLimitThePackageFailsAndItsDependentsAreSkipped() throws Exception {
        // One requeue allowed: b is lost on worker-2 at 1 s, runs again on worker-3 and is lost at 2 s:
        // its second loss is past the limit.
        ResolvedGraph g = MiniBook.graph("a 10", "b 5", "c 1 b");
        SimulationResult r =
                run(g, 3, List.of(new WorkerLoss("worker-2", 1 * S), new WorkerLoss("worker-3", 2 * S)), 1);
        assertThat(r.lostRuns())
                .extracting(LostRun::id, LostRun::worker, LostRun::requeued)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("b", "worker-2", true),
                        org.assertj.core.groups.Tuple.tuple("b", "worker-3", false));
        assertThat(r.requeues()).isEqualTo(1);
        assertThat(r.unbuilt()).containsOnlyKeys("b", "c");
        assertThat(r.unbuilt().get("b")).startsWith("failed: worker worker-3 lost; given up after 2 attempts");
        assertThat(r.unbuilt().get("c")).isEqualTo("skipped: needs b, which failed");
        assertThat(r.schedule()).extracting(ScheduledRun::id).containsExactly("a");
    }

    @Test
    void withEveryWorkerLostWhatIsLeftIsNotBuilt() throws Exception {
        ResolvedGraph g = MiniBook.graph("a 2", "b 1 a");
        SimulationResult r = run(g, 1, List.of(new WorkerLoss("worker-1", 1 * S)), 2);
        assertThat(r.schedule()).isEmpty();
        assertThat(r.unbuilt())
                .containsEntry("a", "never started: no worker left to build it")
                .containsEntry("b", "never started: no worker left to build it");
        assertThat(r.makespanMicros()).isEqualTo(1 * S);
    }

    @Test
    void aLossAfterTheBuildEndedChangesNothing() throws Exception {
        ResolvedGraph g = MiniBook.graph("a 2", "b 1 a");
        SimulationResult clean = run(g, 2, List.of(), 2);
        SimulationResult late = run(g, 2, List.of(new WorkerLoss("worker-1", 100 * S)), 2);
        assertThat(late.schedule()).isEqualTo(clean.schedule());
        assertThat(late.makespanMicros()).isEqualTo(clean.makespanMicros());
        assertThat(late.lostRuns()).isEmpty();
    }

    @Test
    void anUnknownWorkerIsRefused() {
        ResolvedGraph g = MiniBook.graph("a 2");
        assertThatThrownBy(() -> run(g, 2, List.of(new WorkerLoss("worker-9", S)), 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no virtual worker 'worker-9': the farm has worker-1, worker-2");
    }
}
