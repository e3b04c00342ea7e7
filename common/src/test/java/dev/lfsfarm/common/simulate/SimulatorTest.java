package dev.lfsfarm.common.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lfsfarm.common.graph.ResolvedGraph;
import dev.lfsfarm.common.input.InputException;
import dev.lfsfarm.common.schedule.DurationModel;
import dev.lfsfarm.common.schedule.Policy;
import dev.lfsfarm.common.testing.MiniBook;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimulatorTest {
    private static final DurationModel ONE_SECOND = DurationModel.ofSbuSeconds(1);

    private static SimulationResult run(ResolvedGraph g, int workers, int cores, Policy policy) throws InputException {
        return Simulator.run(g, SimulationConfig.of(workers, cores, policy, ONE_SECOND));
    }

    private static String row(ScheduledRun r) {
        return r.id() + " " + r.worker() + " " + r.startMicros() / 1_000_000.0 + "-" + r.endMicros() / 1_000_000.0;
    }

    @Test
    void diamondOnTwoSingleCoreWorkersMatchesTheHandComputedSchedule() throws Exception {
        // a(2) -> b(3), c(1) -> d(1); critical path a, b, d = 6 s
        ResolvedGraph g = MiniBook.graph("a 2", "b 3 a", "c 1 a", "d 1 b c");
        SimulationResult r = run(g, 2, 1, Policy.CRITICAL_PATH);
        assertThat(r.schedule())
                .extracting(SimulatorTest::row)
                .containsExactly(
                        "a worker-1 0.0-2.0", "b worker-1 2.0-5.0", "c worker-2 2.0-3.0", "d worker-1 5.0-6.0");
        assertThat(r.makespanMicros()).isEqualTo(6_000_000);
        assertThat(r.criticalPath()).containsExactly("a", "b", "d");
        assertThat(r.criticalPathMicros()).isEqualTo(6_000_000);
        assertThat(r.lowerBoundMicros()).isEqualTo(6_000_000);
    }

    @Test
    void durationWithOneCoreIsExactlySbuTimesSbuSeconds() throws Exception {
        ResolvedGraph g = MiniBook.graph("x 0.3 pj=8", "y 1.7 x");
        SimulationResult r =
                Simulator.run(g, SimulationConfig.of(1, 1, Policy.CRITICAL_PATH, DurationModel.ofSbuSeconds(90)));
        assertThat(r.schedule()).extracting(ScheduledRun::durationMicros).containsExactly(27_000_000L, 153_000_000L);
        assertThat(r.schedule()).extracting(ScheduledRun::cores).containsExactly(1, 1);
    }

    @Test
    void criticalPathBeatsFifoWhereItMust() throws Exception {
        // Book order lists four short packages before the long chain. FIFO (like make) starts the
        // chain last and ends at 7 s; critical path starts it first and ends at 5 s, the lower bound.
        ResolvedGraph g = MiniBook.graph("s1 1", "s2 1", "s3 1", "s4 1", "c1 1", "c2 4 c1");
        SimulationResult fifo = run(g, 2, 1, Policy.FIFO);
        SimulationResult cp = run(g, 2, 1, Policy.CRITICAL_PATH);
        assertThat(fifo.makespanMicros()).isEqualTo(7_000_000);
        assertThat(cp.makespanMicros()).isEqualTo(5_000_000);
        assertThat(cp.lowerBoundMicros()).isEqualTo(5_000_000);
        assertThat(cp.schedule())
                .extracting(SimulatorTest::row)
                .containsExactly(
                        "c1 worker-1 0.0-1.0",
                        "s1 worker-2 0.0-1.0",
                        "c2 worker-1 1.0-5.0",
                        "s2 worker-2 1.0-2.0",
                        "s3 worker-2 2.0-3.0",
                        "s4 worker-2 3.0-4.0");
    }

    @Test
    void multiCoreWorkersShareCoresAndUseAmdahl() throws Exception {
        // One worker with 4 cores. Priorities: s1 and s2 take 1 s on their single core, big 0.8 s on
        // four, so s1 and s2 go first with a core each and big gets the two left: 2 × (0.2 + 0.8 / 2) s.
        ResolvedGraph g = MiniBook.graph("big 2 pj=4", "s1 1", "s2 1");
        SimulationResult r = run(g, 1, 4, Policy.CRITICAL_PATH);
        assertThat(r.schedule())
                .extracting(x -> x.id() + " " + x.cores() + " " + x.startMicros() + "-" + x.endMicros())
                .containsExactly("big 2 0-1200000", "s1 1 0-1000000", "s2 1 0-1000000");
    }

    @Test
    void sameInputSameSchedule() throws Exception {
        ResolvedGraph g = randomGraph(400, 7);
        SimulationResult first = run(g, 3, 4, Policy.CRITICAL_PATH);
        SimulationResult second = run(randomGraph(400, 7), 3, 4, Policy.CRITICAL_PATH);
        assertThat(second.schedule()).isEqualTo(first.schedule());
        assertThat(second.makespanMicros()).isEqualTo(first.makespanMicros());
    }

    @Test
    void randomGraphsRespectDependenciesAndCapacityAtEveryInstant() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            ResolvedGraph g = randomGraph(300, seed);
            for (Policy policy : Policy.values()) {
                SimulationResult r = run(g, 3, 4, policy);
                assertThat(r.schedule()).hasSize(g.size());
                Map<String, ScheduledRun> byId = new HashMap<>();
                r.schedule().forEach(run -> byId.put(run.id(), run));
                for (int i = 0; i < g.size(); i++) {
                    for (int d : g.dependencies(i)) {
                        assertThat(byId.get(g.id(i)).startMicros())
                                .isGreaterThanOrEqualTo(byId.get(g.id(d)).endMicros());
                    }
                }
                assertCapacityHeld(r, 4);
                assertThat(r.makespanMicros()).isGreaterThanOrEqualTo(r.lowerBoundMicros());
            }
        }
    }

    @Test
    void packageNoWorkerCanHoldIsAnInputError() {
        ResolvedGraph g = MiniBook.graph("huge 1 mem=99999");
        assertThatThrownBy(() -> run(g, 1, 1, Policy.CRITICAL_PATH))
                .isInstanceOf(InputException.class)
                .hasMessageContaining("huge needs 99999 MiB");
    }

    /** At each start instant, the cores in use on every worker stay within its cores. */
    private static void assertCapacityHeld(SimulationResult r, int cores) {
        for (ScheduledRun probe : r.schedule()) {
            long t = probe.startMicros();
            Map<String, Integer> used = new HashMap<>();
            for (ScheduledRun run : r.schedule()) {
                if (run.startMicros() <= t && t < run.endMicros()) {
                    used.merge(run.worker(), run.cores(), Integer::sum);
                }
            }
            assertThat(used.values()).allSatisfy(u -> assertThat(u).isLessThanOrEqualTo(cores));
        }
    }

    static ResolvedGraph randomGraph(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder line = new StringBuilder(
                    "p" + i + " " + (1 + random.nextInt(30)) / 10.0 + " pj=" + (1 + random.nextInt(6)));
            int deps = i == 0 ? 0 : random.nextInt(Math.min(i, 5) + 1);
            random.ints(deps, 0, Math.max(i, 1))
                    .distinct()
                    .forEach(d -> line.append(" p").append(d));
            lines.add(line.toString());
        }
        return MiniBook.graph(lines.toArray(String[]::new));
    }
}
