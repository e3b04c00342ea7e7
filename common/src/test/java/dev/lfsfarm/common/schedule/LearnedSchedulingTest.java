package dev.lfsfarm.common.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.testing.MiniBook;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduler with learned estimates and worker speeds (issue 5), next to its book-only behaviour. */
class LearnedSchedulingTest {
    private static final DurationModel MODEL = DurationModel.ofSbuSeconds(10);

    private static WorkerSpec worker(String name, int slots, int cores) {
        return new WorkerSpec(name, slots, cores, 8192, Map.of());
    }

    @Test
    void learnedEstimatesReorderTheCriticalPath() {
        // By the book, "big" heads the longest chain; history says it is tiny and "small" is huge.
        ResolvedGraph g = MiniBook.graph("small 1", "big 5", "after 1 small");
        WorkerPool pool = new WorkerPool();
        BuildScheduler byBook = new BuildScheduler(g, Policy.CRITICAL_PATH, MODEL, 1, pool);
        pool.add(worker("w1", 1, 1));
        assertThat(byBook.assign()).extracting(Assignment::id).containsExactly("big");

        double[] learned = {8, 0.2, 1};
        WorkerPool other = new WorkerPool();
        BuildScheduler byHistory = new BuildScheduler(g, Policy.CRITICAL_PATH, MODEL, 1, other, learned);
        other.add(worker("w1", 1, 1));
        assertThat(byHistory.criticalPath().duration(g.indexOf("small"))).isEqualTo(80_000_000);
        assertThat(byHistory.criticalPath().ids()).containsExactly("small", "after");
        assertThat(byHistory.assign()).extracting(Assignment::id).containsExactly("small");
    }

    @Test
    void aPackageGoesToTheWorkerThatFinishesItSoonest() {
        ResolvedGraph g = MiniBook.graph("a 1 pj=2");
        WorkerPool pool = new WorkerPool();
        BuildScheduler s = new BuildScheduler(g, Policy.CRITICAL_PATH, MODEL, 2, pool);
        pool.add(worker("slow", 2, 2));
        pool.add(worker("fast", 2, 2));
        pool.setSpeed("slow", 30);
        pool.setSpeed("fast", 12);
        assertThat(s.assign()).extracting(Assignment::worker).containsExactly("fast");
    }

    @Test
    void moreCoresBeatAFasterSingleCoreOnlyWhenTheyFinishSooner() {
        // 4 cores at 20 s/SBU: 20 × (0.2 + 0.8/4) = 8 s per SBU; 1 core at 9 s/SBU: 9 s per SBU.
        ResolvedGraph g = MiniBook.graph("a 1 pj=4");
        WorkerPool pool = new WorkerPool();
        BuildScheduler s = new BuildScheduler(g, Policy.CRITICAL_PATH, MODEL, 4, pool);
        pool.add(worker("one-fast-core", 1, 1));
        pool.add(worker("four-slow-cores", 1, 4));
        pool.setSpeed("one-fast-core", 9);
        pool.setSpeed("four-slow-cores", 20);
        assertThat(s.assign()).extracting(Assignment::worker).containsExactly("four-slow-cores");
    }

    @Test
    void workersOfUnknownSpeedCountAtTheModelsFigure() {
        ResolvedGraph g = MiniBook.graph("a 1");
        WorkerPool pool = new WorkerPool();
        BuildScheduler s = new BuildScheduler(g, Policy.CRITICAL_PATH, MODEL, 1, pool);
        pool.add(worker("known-slow", 1, 1));
        pool.add(worker("unknown", 1, 1));
        pool.setSpeed("known-slow", 11); // slower than the model's 10 s per SBU
        assertThat(s.assign()).extracting(Assignment::worker).containsExactly("unknown");
    }

    @Test
    void aRestrictedBuildUsesOneWorkerWithAtMostTheGivenCores() {
        ResolvedGraph g = MiniBook.graph("ref 1 pj=8", "other 1 pj=8");
        WorkerPool pool = new WorkerPool();
        BuildScheduler s = new BuildScheduler(g, Policy.CRITICAL_PATH, MODEL, 8, pool);
        pool.add(worker("w1", 4, 8));
        pool.add(worker("w2", 4, 8));
        s.restrictTo("w2", 1);
        assertThat(s.assign())
                .extracting(Assignment::worker, Assignment::cores)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("w2", 1), org.assertj.core.groups.Tuple.tuple("w2", 1));
    }
}
